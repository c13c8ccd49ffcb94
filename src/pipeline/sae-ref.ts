import { createHash } from "node:crypto";
import { Conflict, NotFound } from "../errors.js";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadSae, saeWeightsPath } from "../sae/io.js";
import type { SparseAutoencoder } from "../sae/model.js";
import type { RunLayout } from "../store/manifest.js";
import type { ModelRunContext } from "./run-context.js";
import { checkSaeLineage } from "./sae-lineage.js";

/** A trained SAE loaded from its directory, with a fingerprint of its weights. */
export interface LoadedSae {
  readonly dir: string;
  readonly sae: SparseAutoencoder;
  /** sha256 (hex) of the weights file: ties labels and item activations to the SAE they came from. */
  readonly fingerprint: string;
}

/**
 * sha256 (hex) of the SAE's weights file (`<dir>/sae_weights.safetensors`, or `sae.safetensors` in
 * sparsify and reclens 0.1 folders, see sae/io.ts saeWeightsPath).
 */
export function saeFingerprint(dir: string): string {
  const path = saeWeightsPath(dir);
  if (!path) throw new NotFound(`${dir}: no SAE weights here`, "sae");
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * Loads the SAE of a model run (`dir`, default `<run>/sae`) and checks that it was trained on this
 * run's model and split (the lineage in its manifest, see sae-lineage.ts: a stale SAE is refused
 * naming what changed and the rebuild command) and that its input width is the model's
 * probing-site width. A missing SAE is reported with the command that trains one.
 */
export function loadRunSae(ctx: ModelRunContext, dir: string = ctx.layout.sae): LoadedSae {
  if (!saeWeightsPath(dir))
    throw new NotFound(`${dir}: no SAE here; train one with \`reclens sae train --run ${ctx.dir}\``, "sae");
  checkSaeLineage(ctx, dir);
  const sae = loadSae(dir);
  if (sae.dIn !== ctx.model.dim)
    throw new Conflict(
      `${dir}: the SAE reads ${sae.dIn}-wide inputs but ${ctx.model.name}'s probing site is ${ctx.model.dim} wide`,
    );
  return { dir, sae, fingerprint: saeFingerprint(dir) };
}

/**
 * Where the concepts (labels.json, item activations, purity tables) of an SAE live: `<run>/concepts`
 * for the run's own SAE (`<run>/sae`), `<saeDir>/concepts` for any other SAE of the run (a sweep
 * point, a second configuration), so labelling one SAE never overwrites another's labels.
 */
export function conceptsDirOf(layout: RunLayout, saeDir: string = layout.sae): string {
  return resolve(saeDir) === resolve(layout.sae) ? layout.concepts : join(saeDir, "concepts");
}
