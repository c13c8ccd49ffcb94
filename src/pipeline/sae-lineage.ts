import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Conflict, NotFound } from "../errors.js";
import type { SaeCheckpointSettings } from "../sae/trainer.js";
import { checkpointPath, hasCheckpoint, peekCheckpoint, removeCheckpoint } from "../store/checkpoint.js";
import {
  describeDependents,
  existingDependents,
  modelFingerprint,
  removeDependents,
  shortHash,
} from "../store/lineage.js";
import { readManifest } from "../store/manifest.js";
import type { ModelRunContext } from "./run-context.js";

/**
 * What an SAE trained on a model run was derived from, recorded as `config.derivedFrom` in the
 * SAE's manifest.json: the model's weights (sha256 of model/weights.safetensors), the split
 * settings and the data fingerprint. Loading the SAE against a run whose model or split changed
 * is refused ({@link checkSaeLineage}).
 */
export interface SaeLineage {
  readonly model: { readonly fingerprint: string | null };
  readonly split: unknown;
  readonly data: string;
}

/** The lineage of an SAE trained now on `ctx`. */
export function saeLineage(ctx: ModelRunContext): SaeLineage {
  return {
    model: { fingerprint: modelFingerprint(ctx.layout.model) ?? null },
    split: ctx.splitSettings,
    data: ctx.manifest.data.hash,
  };
}

/** The command that rebuilds the SAE in `saeDir` of a run (and its labels). */
export function rebuildSaeCommand(ctx: ModelRunContext, saeDir: string): string {
  const own = resolve(saeDir) === resolve(ctx.layout.sae);
  const sae = `reclens sae train --run ${ctx.dir}${own ? "" : ` --out ${saeDir}`} --force`;
  return `\`${sae}\`, then \`reclens label ${ctx.dir}${own ? "" : ` --sae ${saeDir}`}\``;
}

/**
 * Throws a Conflict when the SAE in `saeDir` records a lineage (see {@link SaeLineage}) that does
 * not match the run: another model's weights, another split or other data. The message says what
 * changed and the command that rebuilds the SAE. SAEs without a recorded lineage (imported from
 * SAELens, older runs) pass.
 */
export function checkSaeLineage(ctx: ModelRunContext, saeDir: string): void {
  if (!existsSync(join(saeDir, "manifest.json"))) return;
  const m = readManifest(saeDir);
  const rec = (m.config as { derivedFrom?: Partial<SaeLineage> }).derivedFrom;
  if (!rec || m.config.source !== "model-run") return;
  const now = saeLineage(ctx);
  const changes: string[] = [];
  const recModel = rec.model?.fingerprint;
  if (typeof recModel === "string" && recModel !== now.model.fingerprint)
    changes.push(
      `it was trained on model weights ${shortHash(recModel)}, but ${ctx.layout.model} now holds ${shortHash(now.model.fingerprint ?? undefined)} (the model was retrained after the SAE)`,
    );
  if (rec.split !== undefined && JSON.stringify(rec.split) !== JSON.stringify(now.split))
    changes.push(
      `it was trained on split ${JSON.stringify(rec.split)}, the run now uses ${JSON.stringify(now.split)}`,
    );
  if (typeof rec.data === "string" && rec.data !== now.data)
    changes.push(
      `it was trained on data ${shortHash(rec.data)}, the run's data are now ${shortHash(now.data)}`,
    );
  if (changes.length > 0)
    throw new Conflict(
      `${saeDir}: this SAE is stale: ${changes.join("; ")}. Rebuild it: ${rebuildSaeCommand(ctx, saeDir)}`,
      "sae",
    );
}

/** Options of writing an SAE directory: delete labels made from the old SAE, resume a checkpoint. */
export interface SaeOutOptions {
  /** Delete the concepts (labels) of the SAE being replaced and any old checkpoint. */
  readonly force?: boolean;
  /** Continue the interrupted SAE training in `<out>/checkpoint`. */
  readonly resume?: boolean;
  /** Called after each epoch's checkpoint is written. */
  readonly onCheckpoint?: (epoch: number, path: string) => void;
}

/** Directory of an SAE training's checkpoint. */
export function saeCheckpointDirOf(out: string): string {
  return join(out, "checkpoint");
}

/**
 * Refuses to write an SAE into `out` when labels of the SAE there exist (`conceptsDir`) or an
 * interrupted SAE training is checkpointed there, unless `force` (which deletes them) or, for the
 * checkpoint, `resume`. `rerun` is the command line to repeat with --force / --resume.
 */
export function prepareSaeOut(out: string, conceptsDir: string, rerun: string, o: SaeOutOptions): void {
  const deps = existingDependents([{ path: conceptsDir, what: "labels of the SAE there" }]);
  const ckDir = saeCheckpointDirOf(out);
  if (o.resume) {
    if (!hasCheckpoint(ckDir))
      throw new NotFound(
        `${out}: no interrupted SAE training to resume (${checkpointPath(ckDir)} is missing); run \`${rerun}\` without --resume`,
        "resume",
      );
  } else if (hasCheckpoint(ckDir) && !o.force) {
    const st = peekCheckpoint(ckDir);
    const done = Array.isArray(st?.epochs) ? ` (${st.epochs.length} epoch(s) done)` : "";
    throw new Conflict(
      `${out}: holds an interrupted SAE training${done} in ${ckDir}; run \`${rerun} --resume\` to continue it, or add --force to start over`,
      "out",
    );
  }
  if (deps.length > 0 && !o.force)
    throw new Conflict(
      `${out}: ${describeDependents(deps)} would be left stale by a new SAE. Run \`${rerun} --force\` to ` +
        `retrain and delete them (then label again), or write the SAE elsewhere with --out`,
      "out",
    );
  if (o.force) {
    removeDependents(deps);
    if (!o.resume) removeCheckpoint(ckDir);
  }
}

/** Checkpoint settings of an SAE training into `out`, keyed by everything that determines the result. */
export function saeCheckpoint(
  out: string,
  identity: Record<string, unknown>,
  o: SaeOutOptions,
): SaeCheckpointSettings {
  return {
    dir: saeCheckpointDirOf(out),
    key: createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 16),
    ...(o.resume ? { resume: true } : {}),
    ...(o.onCheckpoint ? { onSaved: o.onCheckpoint } : {}),
  };
}
