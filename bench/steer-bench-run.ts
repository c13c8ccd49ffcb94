/**
 * The set-up bench/steer-closer.ts and bench/steer-fitted.ts share: one run's SAE, item activations,
 * labels, the chosen concept family with its tag -> neuron mapping, the held-out part to report on
 * and the labels' concept directions of that family.
 */
import { DEFAULT_MIN_SUPPORT } from "../src/concepts/activations.js";
import { openModelRun } from "../src/pipeline/run-context.js";
import { readRunLabels, runItemActivations } from "../src/pipeline/run-labels.js";
import { loadRunSae } from "../src/pipeline/sae-ref.js";
import { pickFamily, tfidfMappings } from "../src/pipeline/steer-eval-run.js";
import type { CodeDirection } from "../src/steer/personal.js";

/** Opens `run` for a steering bench on concept family `fam`, reporting on "validation" or "test" users. */
export async function openSteerBench(run: string, fam: string, which: string) {
  const ctx = await openModelRun(run);
  const loaded = loadRunSae(ctx);
  const z = runItemActivations(ctx, loaded);
  const doc = readRunLabels(ctx, loaded);
  const family = pickFamily(ctx.dataset.concepts, fam);
  const tagToNeuron = tfidfMappings(z, family, DEFAULT_MIN_SUPPORT)[1].tagToNeuron;
  const labelDirs = new Map<number, CodeDirection>();
  for (const c of doc.concepts ?? [])
    if (c.kind === family.kind && c.direction.length > 0) labelDirs.set(c.index, c.direction);
  const part = which === "test" ? ctx.split.test : ctx.split.validation;
  return { ctx, loaded, z, doc, family, tagToNeuron, labelDirs, part, calPart: ctx.split.validation };
}
