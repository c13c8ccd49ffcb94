import { labelsPath } from "../concepts/labels.js";
import type { LoadOptions } from "../data/load.js";
import { timeOrderedItems } from "../data/splits/index.js";
import { openModelRun } from "../pipeline/run-context.js";
import { readRunLabels, runItemActivations } from "../pipeline/run-labels.js";
import { conceptsDirOf, loadRunSae } from "../pipeline/sae-ref.js";
import { buildWorkspace, type Workspace } from "./workspace.js";

/** Options of {@link loadWorkspace}. */
export interface LoadWorkspaceOptions {
  /** How to reload the data from the manifest's reference when the run holds no dataset.rlds. */
  readonly load?: LoadOptions;
  /** SAE directory (default `<run>/sae`). */
  readonly saeDir?: string;
  /** Users encoded for neuron firing statistics (default 10000). */
  readonly maxStatUsers?: number;
}

/**
 * Loads a run directory (layout in docs/run-layout.md) into a workspace, through the pipeline's run
 * readers: manifest.json + the data (dataset.rlds, or the manifest's data reference; fingerprint
 * checked) + model/ (openModelRun), sae/ (loadRunSae), concepts/labels.json (optional: no labels
 * until the first edit, which creates it) and concepts/item-activations.safetensors (used when it
 * belongs to this SAE, computed otherwise). Every dataset user is served with their full history;
 * training users get their model user ids (MF then uses its learned embeddings and folds in the rest).
 */
export async function loadWorkspace(runDir: string, opts: LoadWorkspaceOptions = {}): Promise<Workspace> {
  const ctx = await openModelRun(runDir, opts.load ? { load: opts.load } : {});
  const loaded = loadRunSae(ctx, opts.saeDir);
  return buildWorkspace({
    dataset: ctx.dataset,
    model: ctx.model,
    sae: loaded.sae,
    labels: readRunLabels(ctx, loaded),
    labelsPath: labelsPath(conceptsDirOf(ctx.layout, loaded.dir)),
    itemActivations: runItemActivations(ctx, loaded),
    users: {
      ids: ctx.dataset.users,
      rows: ctx.dataset.matrix,
      modelUserIds: ctx.modelUserIds,
      ...(ctx.model.sequential ? { sequenceOf: (u: number) => timeOrderedItems(ctx.dataset, u) } : {}),
    },
    metrics: ctx.manifest.metrics,
    source: { runDir, createdAt: ctx.manifest.createdAt, seed: ctx.manifest.seed },
    run: { ctx, saeDir: loaded.dir },
    ...(opts.maxStatUsers !== undefined ? { maxStatUsers: opts.maxStatUsers } : {}),
  });
}
