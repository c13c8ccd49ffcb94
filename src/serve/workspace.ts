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
 * What the HTTP server needs of any run, SAE or not: data, the frozen model, the users' histories and
 * the id lookups. A run without an SAE (SASRec, SAERec, MF, ...) is served as a ModelWorkspace:
 * recommendations, histories and (for SAERec) intents; the SAE routes answer 409 (src/serve/routes/no-sae.ts).
 */
export interface ModelWorkspace {
  readonly dataset: Dataset;
  readonly model: Recommender;
  readonly users: UserHistories;
  /** Lookup of a user's row from its display id. */
  readonly userIndex: ReadonlyMap<string, number>;
  /** Lookup of an item's column from its display id. */
  readonly itemIndex: ReadonlyMap<string, number>;
  /** Metrics summary (plain JSON), e.g. the run manifest's metrics. */
  readonly metrics: Readonly<Record<string, JsonValue>>;
  readonly source: WorkspaceSource;
  /** The run the workspace was opened from (for exports); absent for in-memory workspaces. */
  readonly run?: { readonly ctx: ModelRunContext; readonly saeDir?: string };
}

/**
 * Everything the HTTP server needs for the SAE views, loaded once: a model workspace plus the frozen
 * SAE, labels and per-neuron statistics. Requests never retrain; the only mutable part is `labels`,
 * replaced (never edited in place) when a label is changed through the API and written to
 * `labelsPath` when set.
 */
export interface Workspace extends ModelWorkspace {
  readonly sae: Sae;
  labels: LabelsDoc;
  /** Where label edits are persisted (atomically); undefined keeps edits in memory only. */
  readonly labelsPath?: string;
  readonly neurons: NeuronStats;
  /** The run the workspace was opened from (for exports); absent for in-memory workspaces. */
  readonly run?: ServedRun;
}

/** What a server serves: a workspace with an SAE, or a model workspace of a run without one. */
export type ServedWorkspace = Workspace | ModelWorkspace;

/** Whether a served workspace has an SAE (and so labels, neuron statistics and steering). */
export function hasSae(ws: ModelWorkspace): ws is Workspace {
  return "sae" in ws;
}

/** A served run directory: its opened context and the SAE directory being served. */
export interface ServedRun {
  readonly ctx: ModelRunContext;
  readonly saeDir: string;
}

/** Parts of a model workspace; the rest is derived by {@link buildModelWorkspace}. */
export interface ModelWorkspaceInput {
  readonly dataset: Dataset;
  readonly model: Recommender;
  /** Default: every dataset user with their full interaction row (no model user ids). */
  readonly users?: UserHistories;
  readonly metrics?: Readonly<Record<string, JsonValue>>;
  readonly source?: WorkspaceSource;
  readonly run?: { readonly ctx: ModelRunContext };
}

/** Parts of a workspace; the rest is derived by {@link buildWorkspace}. */
export interface WorkspaceInput extends ModelWorkspaceInput {
  readonly sae: Sae;
  /** Default: no labels. */
  readonly labels?: LabelsDoc;
  readonly labelsPath?: string;
  /** Item activations Z (items x neurons), e.g. those the labeller used; computed when absent. */
  readonly itemActivations?: Matrix;
  /** Users encoded for firing rates and histograms (evenly spaced sample; default 10000). */
  readonly maxStatUsers?: number;
  readonly run?: ServedRun;
}

/**
 * Checks that the parts of a model workspace fit together (model fitted on the dataset's items, users
 * over the same items, unique ids) and builds the id lookups. Errors name the mismatching sizes.
 */
export function buildModelWorkspace(input: ModelWorkspaceInput): ModelWorkspace {
  return { ...modelParts(input), ...(input.run ? { run: input.run } : {}) };
}

function modelParts(input: ModelWorkspaceInput): Omit<ModelWorkspace, "run"> {
  const { dataset, model } = input;
  const nItems = dataset.items.length;
  if (model.nItems !== nItems)
    throw new RangeError(
      `workspace: model "${model.name}" has ${model.nItems} items, the dataset "${dataset.name}" has ${nItems}`,
    );
  const users = input.users ?? { ids: dataset.users, rows: dataset.matrix };
  checkUsers(users, nItems);
  return {
    dataset,
    model,
    users,
    userIndex: uniqueIndex(users.ids, "user"),
    itemIndex: uniqueIndex(dataset.items, "item"),
    metrics: input.metrics ?? {},
    source: input.source ?? {},
  };
}

/**
 * Checks that the parts fit together (model fitted on the dataset's items, SAE on the model's probing
 * site, labels for the SAE's neurons, users over the same items) and precomputes the per-neuron
 * statistics. Errors name the mismatching sizes.
 */
export function buildWorkspace(input: WorkspaceInput): Workspace {
  const { model, sae } = input;
  const base = modelParts(input);
  if (sae.dIn !== model.dim)
    throw new RangeError(
      `workspace: SAE input width ${sae.dIn} does not match ${model.name}'s probing site width ${model.dim}`,
    );
  const labels = input.labels ?? emptyLabels(sae.dSae);
  if (labels.neurons !== sae.dSae)
    throw new RangeError(`workspace: labels are for ${labels.neurons} neurons, the SAE has ${sae.dSae}`);
  const neurons = computeNeuronStats(model, sae, base.users, {
    ...(input.itemActivations ? { itemActivations: input.itemActivations } : {}),
    maxUsers: input.maxStatUsers ?? 10_000,
  });
  return {
    ...base,
    sae,
    labels,
    ...(input.labelsPath !== undefined ? { labelsPath: input.labelsPath } : {}),
    neurons,
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
