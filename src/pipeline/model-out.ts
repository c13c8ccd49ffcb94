import { createHash } from "node:crypto";
import { join } from "node:path";
import { Conflict, NotFound } from "../errors.js";
import { checkpointPath, hasCheckpoint, peekCheckpoint, removeCheckpoint } from "../store/checkpoint.js";
import type { CheckpointSettings } from "../models/types.js";
import { describeDependents, existingDependents, removeDependents } from "../store/lineage.js";
import { runLayout } from "../store/manifest.js";

/** What writing a model into a run directory may do: delete dependents, continue a checkpoint. */
export interface ModelOutOptions {
  /** Delete artifacts derived from the old model (sae/, concepts/) and any old checkpoint. */
  readonly force?: boolean;
  /** Continue the interrupted training in `<out>/checkpoint`. */
  readonly resume?: boolean;
  /** Called after each epoch's checkpoint is written. */
  readonly onCheckpoint?: (epoch: number, path: string) => void;
}

/** Directory of a run's training checkpoint. */
export function checkpointDirOf(out: string): string {
  return join(out, "checkpoint");
}

/**
 * Refuses to write a model into `out` when artifacts derived from its current model exist (an SAE,
 * labels) or an interrupted training is checkpointed there, unless `force` (which deletes them) or,
 * for the checkpoint, `resume`. Messages name what exists and the command that goes on from there.
 */
export function prepareModelOut(out: string, o: ModelOutOptions): void {
  const layout = runLayout(out);
  const deps = existingDependents([
    { path: layout.sae, what: "an SAE trained on the current model" },
    { path: layout.concepts, what: "neuron labels of that SAE" },
  ]);
  const ckDir = checkpointDirOf(out);
  if (o.resume) {
    if (!hasCheckpoint(ckDir))
      throw new NotFound(
        `${out}: no interrupted training to resume (${checkpointPath(ckDir)} is missing); train without --resume`,
        "resume",
      );
  } else if (hasCheckpoint(ckDir) && !o.force) {
    const st = peekCheckpoint(ckDir);
    const at = st ? ` (epoch ${String(st.epoch)} of ${String(st.epochs)})` : "";
    throw new Conflict(
      `${out}: holds an interrupted training${at} in ${ckDir}; add --resume to continue it, or --force to start over`,
      "out",
    );
  }
  if (deps.length > 0 && !o.force)
    throw new Conflict(
      `${out}: already holds ${describeDependents(deps)}; a new model would leave them stale. ` +
        `Re-run with --force to retrain and delete them (then rebuild with \`reclens sae train --run ${out}\` ` +
        `and \`reclens label ${out}\`), or write the model elsewhere with another --out`,
      "out",
    );
  if (o.force) {
    removeDependents(deps);
    if (!o.resume) removeCheckpoint(ckDir);
  }
}

/**
 * Checkpoint settings of a training into `out`: `<out>/checkpoint`, keyed by everything that
 * determines the result (a resume with other settings is refused).
 */
export function modelCheckpoint(
  out: string,
  identity: Record<string, unknown>,
  o: ModelOutOptions,
): CheckpointSettings {
  return {
    dir: checkpointDirOf(out),
    key: createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 16),
    ...(o.resume ? { resume: true } : {}),
    ...(o.onCheckpoint ? { onSaved: o.onCheckpoint } : {}),
  };
}

/** Removes the checkpoint once the finished model is saved. */
export function finishModelOut(out: string): void {
  removeCheckpoint(checkpointDirOf(out));
}
