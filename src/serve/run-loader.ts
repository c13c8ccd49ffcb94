import { labelsPath } from "../concepts/labels.js";
import type { LoadOptions } from "../data/load.js";
import { timeOrderedItems } from "../data/splits/index.js";
import { openModelRun, type ModelRunContext } from "../pipeline/run-context.js";
import { readRunLabels, runItemActivations } from "../pipeline/run-labels.js";
import { conceptsDirOf, loadRunSae } from "../pipeline/sae-ref.js";
import { hasSaeWeights } from "../sae/io.js";
import {
  buildModelWorkspace,
  buildWorkspace,
  type ModelWorkspace,
  type ModelWorkspaceInput,
  type Workspace,
} from "./workspace.js";

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
  return saeWorkspace(ctx, opts);
}

/**
 * What `reclens serve` loads: {@link loadWorkspace}'s workspace when the run has an SAE (or `saeDir`
 * is given, which must then hold one), else a model workspace of the run alone (any model: SASRec,
 * SAERec, MF, ...), whose SAE routes answer 409 naming `reclens sae train --run <run>`.
 */
export async function loadServedWorkspace(
  runDir: string,
  opts: LoadWorkspaceOptions = {},
): Promise<ModelWorkspace> {
  const ctx = await openModelRun(runDir, opts.load ? { load: opts.load } : {});
  if (opts.saeDir !== undefined || hasSaeWeights(ctx.layout.sae)) return saeWorkspace(ctx, opts);
  return buildModelWorkspace({ ...runParts(ctx), run: { ctx } });
}

/** The parts every served run shares: data, model, every dataset user with their full history. */
function runParts(ctx: ModelRunContext): ModelWorkspaceInput {
  return {
    dataset: ctx.dataset,
    model: ctx.model,
    users: {
      ids: ctx.dataset.users,
      rows: ctx.dataset.matrix,
      modelUserIds: ctx.modelUserIds,
      ...(ctx.model.sequential ? { sequenceOf: (u: number) => timeOrderedItems(ctx.dataset, u) } : {}),
    },
    metrics: ctx.manifest.metrics,
    source: { runDir: ctx.dir, createdAt: ctx.manifest.createdAt, seed: ctx.manifest.seed },
  };
}

/** The run with its SAE (loadRunSae: NotFound naming `reclens sae train --run <run>` when absent). */
function saeWorkspace(ctx: ModelRunContext, opts: LoadWorkspaceOptions): Workspace {
  const loaded = loadRunSae(ctx, opts.saeDir);
  return buildWorkspace({
    ...runParts(ctx),
    sae: loaded.sae,
    labels: readRunLabels(ctx, loaded),
    labelsPath: labelsPath(conceptsDirOf(ctx.layout, loaded.dir)),
    itemActivations: runItemActivations(ctx, loaded),
    run: { ctx, saeDir: loaded.dir },
    ...(opts.maxStatUsers !== undefined ? { maxStatUsers: opts.maxStatUsers } : {}),
  });
}
