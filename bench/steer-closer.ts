/**
 * Benchmark (not a test): closing the gap between the SAE shift and metadata re-ranking (issue 18).
 * Compares, on one run's held-out users, the shift along one neuron, along the concept's direction
 * mapping, and the personal shift (the user's best-scored knob items) for several pool sizes, each
 * with its own metadata-free calibration measured on the validation users, against k2k and rerank.
 *
 *   RECLENS_THREADS=1 npx tsx bench/steer-closer.ts <run> <family> [validation|test] [pool:m:knob ...]
 *
 * Prints one line per operator: best segment share at Recall kept >= 0.9, its ratio to rerank's,
 * and the frontier (strength: kept/share).
 */
import { DEFAULT_MIN_SUPPORT, eligibleNeurons, neuronActivity } from "../src/concepts/activations.js";
import { ensureCalibration, frontierOf, personalTarget } from "../src/pipeline/steer-operators-run.js";
import { calibrateStrength, type StrengthCalibration } from "../src/steer/calibration.js";
import { evaluateOperators, type PersonalOptions } from "../src/steer/operators-eval.js";
import { bestShareAtKept, dominates } from "../src/steer/operators-frontier.js";
import { openSteerBench } from "./steer-bench-run.js";
import type { CodeDirection } from "../src/steer/personal.js";

async function main(): Promise<void> {
  const [run, fam, which = "validation", ...variantArgs] = process.argv.slice(2);
  const {
    ctx,
    loaded,
    z,
    doc,
    family,
    tagToNeuron,
    labelDirs: dirs,
    part,
    calPart,
  } = await openSteerBench(run, fam, which);
  const t0 = performance.now();
  const shiftCal = ensureCalibration(ctx, loaded, z, DEFAULT_MIN_SUPPORT, 20).calibration;
  // calibration knobs as ensureCalibration picks them (64 eligible neurons, evenly spread)
  const live: number[] = [];
  eligibleNeurons(neuronActivity(z).support, DEFAULT_MIN_SUPPORT).forEach((ok, j) => ok && live.push(j));
  const stride = Math.max(1, Math.floor(live.length / 64));
  const knobs = Int32Array.from(live.filter((_, q) => q % stride === 0).slice(0, 64));
  // direction: pairs over every concept direction of every family (metadata-free at serving)
  const allDirs = (doc.concepts ?? []).filter((c) => c.direction.length > 0).map((c) => c.direction);
  const dirCal = calibrateStrength(
    ctx.model,
    loaded.sae,
    calPart,
    Int32Array.from(allDirs, (_, q) => q),
    { target: (p) => allDirs[p.neuron] },
  );
  const variants: PersonalOptions[] = (variantArgs.length > 0 ? variantArgs : ["100:10:neuron"]).map((v) => {
    // pool:m:knob[:within][:mix]
    const [pool, m, knob, within, mix] = v.split(":");
    return {
      pool: Number(pool),
      m: Number(m),
      knob: knob === "direction" ? "direction" : "neuron",
      within: within === "within",
      mix: mix !== undefined ? Number(mix) : 1,
    };
  });
  // personal: calibrated on the same pairs as the direction (every concept direction) when its
  // knob is the direction, else on single neurons
  const personalCal = (o: PersonalOptions): StrengthCalibration => {
    const knobOf = (q: number): CodeDirection =>
      o.knob === "direction" ? allDirs[q] : [{ neuron: knobs[q], weight: 1 }];
    const n = o.knob === "direction" ? allDirs.length : knobs.length;
    return calibrateStrength(
      ctx.model,
      loaded.sae,
      calPart,
      Int32Array.from({ length: n }, (_, q) => q),
      { target: personalTarget(z, knobOf, o) },
    );
  };
  console.log(`calibrations ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const line = (
    name: string,
    pts: ReturnType<typeof frontierOf>,
    rr: number,
    k2k: ReturnType<typeof frontierOf>,
  ) => {
    const b = bestShareAtKept(pts, 0.9);
    const d = dominates(
      pts.map((p) => ({ kept: Math.min(1, p.kept), share: p.share })),
      k2k.map((p) => ({ kept: Math.min(1, p.kept), share: p.share })),
    );
    console.log(
      `${name.padEnd(28)} best@0.9 ${b.toFixed(3)} ratio ${(b / rr).toFixed(2)} dom-k2k(capped) ${d.dominates ? "yes" : "no"} ${d.worstMargin.toFixed(3)} | ${pts.map((p) => `${p.kept.toFixed(3)}/${p.share.toFixed(3)}`).join(" ")}`,
    );
  };
  const base = evaluateOperators(ctx.model, loaded.sae, part, family.matrix, tagToNeuron, {
    operators: ["k2k", "shift", "rerank", "direction"],
    calibration: shiftCal,
    calibrations: { direction: dirCal },
    tagToDirection: (t) => dirs.get(t) ?? null,
  });
  const rr = bestShareAtKept(frontierOf(base, "rerank"), 0.9);
  const k2k = frontierOf(base, "k2k");
  console.log(
    `${which}: ${base.users} users; direction amounts ${dirCal.table
      .filter((_, q) => q % 5 === 0)
      .map((t) => t.amount.toPrecision(3))
      .join(" ")}`,
  );
  for (const op of ["k2k", "shift", "direction", "rerank"] as const) line(op, frontierOf(base, op), rr, k2k);
  for (const o of variants) {
    const cal = personalCal(o);
    const r = evaluateOperators(ctx.model, loaded.sae, part, family.matrix, tagToNeuron, {
      operators: ["personal"],
      calibrations: { personal: cal },
      itemActivations: z,
      personal: o,
      tagToDirection: (t) => dirs.get(t) ?? null,
    });
    line(
      `personal ${o.pool}:${o.m}:${o.knob}:${o.within ? "within" : "all"}:${o.mix}`,
      frontierOf(r, "personal"),
      rr,
      k2k,
    );
    console.log(
      `  amounts ${cal.table
        .filter((_, q) => q % 5 === 0)
        .map((t) => t.amount.toPrecision(3))
        .join(" ")}`,
    );
  }
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
void main();
