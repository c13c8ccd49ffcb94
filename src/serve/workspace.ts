import { emptyLabels, type LabelsDoc } from "../concepts/labels.js";
import type { Dataset } from "../data/types.js";
import type { Recommender } from "../models/types.js";
import type { ModelRunContext } from "../pipeline/run-context.js";
import type { Sae } from "../sae/types.js";
import type { Matrix } from "../tensor/matrix.js";
import { computeNeuronStats, type NeuronStats } from "./neuron-stats.js";
import type { UserHistories } from "./user-histories.js";

export type { UserHistories } from "./user-histories.js";

/** A JSON value (what the metrics summary may hold). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What the run produced the workspace from (shown by GET /api/info). */
export interface WorkspaceSource {
  /** Run directory, when loaded from one. */
  readonly runDir?: string;
  readonly createdAt?: string;
  readonly seed?: number;
}

/**
 * Everything the HTTP server needs, loaded once: data, frozen model and SAE, labels, per-neuron
 * statistics and the users' histories. Requests never retrain; the only mutable part is `labels`,
 * replaced (never edited in place) when a label is changed through the API and written to
 * `labelsPath` when set.
 */
export interface Workspace {
  readonly dataset: Dataset;
  readonly model: Recommender;
  readonly sae: Sae;
  labels: LabelsDoc;
  /** Where label edits are persisted (atomically); undefined keeps edits in memory only. */
  readonly labelsPath?: string;
  readonly users: UserHistories;
  /** Lookup of a user's row from its display id. */
  readonly userIndex: ReadonlyMap<string, number>;
  /** Lookup of an item's column from its display id. */
  readonly itemIndex: ReadonlyMap<string, number>;
  readonly neurons: NeuronStats;
  /** Metrics summary (plain JSON), e.g. the run manifest's metrics. */
  readonly metrics: Readonly<Record<string, JsonValue>>;
  readonly source: WorkspaceSource;
  /** The run the workspace was opened from (for exports); absent for in-memory workspaces. */
  readonly run?: ServedRun;
}

/** A served run directory: its opened context and the SAE directory being served. */
export interface ServedRun {
  readonly ctx: ModelRunContext;
  readonly saeDir: string;
}

/** Parts of a workspace; the rest is derived by {@link buildWorkspace}. */
export interface WorkspaceInput {
  readonly dataset: Dataset;
  readonly model: Recommender;
  readonly sae: Sae;
  /** Default: no labels. */
  readonly labels?: LabelsDoc;
  readonly labelsPath?: string;
  /** Default: every dataset user with their full interaction row (no model user ids). */
  readonly users?: UserHistories;
  /** Item activations Z (items x neurons), e.g. those the labeller used; computed when absent. */
  readonly itemActivations?: Matrix;
  readonly metrics?: Readonly<Record<string, JsonValue>>;
  readonly source?: WorkspaceSource;
  /** Users encoded for firing rates and histograms (evenly spaced sample; default 10000). */
  readonly maxStatUsers?: number;
  readonly run?: ServedRun;
}

/**
 * Checks that the parts fit together (model fitted on the dataset's items, SAE on the model's probing
 * site, labels for the SAE's neurons, users over the same items) and precomputes the per-neuron
 * statistics. Errors name the mismatching sizes.
 */
export function buildWorkspace(input: WorkspaceInput): Workspace {
  const { dataset, model, sae } = input;
  const nItems = dataset.items.length;
  if (model.nItems !== nItems)
    throw new RangeError(
      `workspace: model "${model.name}" has ${model.nItems} items, the dataset "${dataset.name}" has ${nItems}`,
    );
  if (sae.dIn !== model.dim)
    throw new RangeError(
      `workspace: SAE input width ${sae.dIn} does not match ${model.name}'s probing site width ${model.dim}`,
    );
  const labels = input.labels ?? emptyLabels(sae.dSae);
  if (labels.neurons !== sae.dSae)
    throw new RangeError(`workspace: labels are for ${labels.neurons} neurons, the SAE has ${sae.dSae}`);
  const users = input.users ?? { ids: dataset.users, rows: dataset.matrix };
  checkUsers(users, nItems);
  const userIndex = uniqueIndex(users.ids, "user");
  const itemIndex = uniqueIndex(dataset.items, "item");
  const neurons = computeNeuronStats(model, sae, users, {
    ...(input.itemActivations ? { itemActivations: input.itemActivations } : {}),
    maxUsers: input.maxStatUsers ?? 10_000,
  });
  return {
    dataset,
    model,
    sae,
    labels,
    ...(input.labelsPath !== undefined ? { labelsPath: input.labelsPath } : {}),
    users,
    userIndex,
    itemIndex,
    neurons,
    metrics: input.metrics ?? {},
    source: input.source ?? {},
    ...(input.run ? { run: input.run } : {}),
  };
}

function checkUsers(users: UserHistories, nItems: number): void {
  if (users.ids.length !== users.rows.rows)
    throw new RangeError(`workspace: ${users.ids.length} user ids for ${users.rows.rows} history rows`);
  if (users.rows.cols !== nItems)
    throw new RangeError(
      `workspace: user histories span ${users.rows.cols} items, the dataset has ${nItems}`,
    );
  const ids = users.modelUserIds;
  if (ids && ids.length !== users.rows.rows)
    throw new RangeError(`workspace: ${ids.length} model user ids for ${users.rows.rows} users`);
}

function uniqueIndex(ids: readonly string[], what: string): Map<string, number> {
  const out = new Map<string, number>();
  ids.forEach((id, i) => {
    if (out.has(id))
      throw new RangeError(`workspace: ${what} id "${id}" appears twice (rows ${out.get(id)} and ${i})`);
    out.set(id, i);
  });
  return out;
}
