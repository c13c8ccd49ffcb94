/**
 * Benchmark (not a test): how much of a concept can a shift of the representation express at all?
 * For each concept of a family, the least-squares shift of the recommender's representation itself
 * (concepts/fitted-direction.ts representationShift: any sign, no latents, the item weights and
 * linearisation of `reclens label`) has the largest R^2 any fitted direction can have, whatever the
 * SAE's width or the number of neurons. Prints that ceiling beside the R^2 of the fitted
 * directions, then steers the held-out users along the least-squares vectors (representation +
 * amount x v_t, no SAE) and prints that frontier beside the labels' direction, k2k and metadata
 * re-ranking on the same users (evaluateOperators' protocol). The least-squares shift maximises the
 * fit, not the share: it is a reference, not a bound on the share.
 *
 *   RECLENS_THREADS=1 npx tsx bench/steer-ceiling.ts <run> <family> [validation|test]
 */
import { DEFAULT_MIN_SUPPORT } from "../src/concepts/activations.js";
import { fitDirection, representationShift } from "../src/concepts/fitted-direction.js";
import { partBatch } from "../src/models/types.js";
import { topNItems, topNUnseen } from "../src/nested/nested-rank.js";
import {
  anchorRepresentations,
  conceptIndicators,
  conceptResponseSystem,
  FITTED_DEFAULTS,
} from "../src/pipeline/fitted-directions.js";
import { ensureCalibration, frontierOf } from "../src/pipeline/steer-operators-run.js";
import { ensureStrengthScales } from "../src/pipeline/strength-scale.js";
import { evaluateOperators, listRecallShare } from "../src/steer/operators-eval.js";
import { bestShareAtKept, type FrontierPoint } from "../src/steer/operators-frontier.js";
import { targetSegments } from "../src/steer/tags.js";
import { Matrix } from "../src/tensor/matrix.js";
import { openSteerBench } from "./steer-bench-run.js";

const K = 20;
/** Shift amounts along v_t: 0 and 2^(e/2), e = -12..12 (v_t is on the indicator's scale). */
const AMOUNTS = [0, ...Array.from({ length: 25 }, (_, q) => 2 ** ((q - 12) / 2))];

const median = (a: readonly number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1];

async function main(): Promise<void> {
  const [run, fam, which = "validation"] = process.argv.slice(2);
  if (!run || !fam) throw new Error("usage: steer-ceiling.ts <run> <family> [validation|test]");
  const { ctx, loaded, z, doc, family, tagToNeuron, labelDirs, part } = await openSteerBench(run, fam, which);
  const t0 = performance.now();
  const sys = conceptResponseSystem(ctx.model, loaded.sae, anchorRepresentations(ctx), z, ctx.split.train, {
    minSupport: DEFAULT_MIN_SUPPORT,
    popularityPower: FITTED_DEFAULTS.popularityPower,
  });
  if (!sys) throw new Error(`${run}: no latent fires on ${DEFAULT_MIN_SUPPORT} items`);
  const d = sys.d;
  const vectors = new Map<number, Float64Array>();
  const ceilR2: number[] = [];
  const fitR2: number[] = [];
  const indicators = conceptIndicators(family);
  for (const [t, y] of indicators) {
    if (!y.some((v) => v !== 0)) continue;
    const c = representationShift(sys, y);
    vectors.set(t, c.vector);
    ceilR2.push(c.r2);
    fitR2.push(fitDirection(sys, y, FITTED_DEFAULTS.fit ?? {}).r2);
  }
  const gap = ceilR2.map((c, q) => fitR2[q] / c);
  console.log(
    `${run} ${family.kind}: d ${d}, ${sys.n} latents, ${vectors.size} concepts; R^2 median: ceiling ${median(ceilR2).toFixed(3)}, fitted (64 latents) ${median(fitR2).toFixed(3)}; fitted / ceiling median ${median(gap).toFixed(2)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );

  // the same users and reference curves as evaluateOperators
  const shiftCal = ensureCalibration(ctx, loaded, z, DEFAULT_MIN_SUPPORT, 20).calibration;
  const scales = ensureStrengthScales(ctx, loaded, doc, () => z);
  const base = evaluateOperators(ctx.model, loaded.sae, part, family.matrix, tagToNeuron, {
    operators: ["k2k", "direction", "rerank"],
    calibration: shiftCal,
    calibrations: scales.direction ? { direction: scales.direction } : {},
    tagToDirection: (t) => labelDirs.get(t) ?? null,
  });
  const segments = targetSegments(part.foldIn, part.target, family.matrix);
  const recall = AMOUNTS.map(() => 0);
  const share = AMOUNTS.map(() => 0);
  let users = 0;
  for (let s = 0; s < part.foldIn.rows; s += 256) {
    const e = Math.min(part.foldIn.rows, s + 256);
    const batch = partBatch(part, s, e);
    const h = ctx.model.encodeUsers(batch);
    const use = (r: number): boolean =>
      segments[s + r] >= 0 && tagToNeuron[segments[s + r]] >= 0 && vectors.has(segments[s + r]);
    AMOUNTS.forEach((a, ai) => {
      const shifted = new Matrix(h.rows, d, Float32Array.from(h.data));
      for (let r = 0; r < h.rows; r++) {
        const v = use(r) ? (vectors.get(segments[s + r]) as Float64Array) : null;
        if (v) for (let j = 0; j < d; j++) shifted.data[r * d + j] += a * v[j];
      }
      const top = topNUnseen(ctx.model.decode(shifted, batch), batch.rows, K);
      for (let r = 0; r < h.rows; r++) {
        if (!use(r)) continue;
        const seg = indicators.get(segments[s + r]) as Float64Array;
        const m = listRecallShare(topNItems(top, r), part.target.rowIndices(s + r), seg, K);
        recall[ai] += m.recall;
        share[ai] += m.share;
        if (ai === 0) users++;
      }
    });
  }
  const lsShift: FrontierPoint[] = AMOUNTS.map((_, ai) => ({
    kept: recall[ai] / recall[0],
    share: share[ai] / users,
  }));
  const rr = bestShareAtKept(frontierOf(base, "rerank"), 0.9);
  const show = (name: string, pts: readonly FrontierPoint[]): void => {
    const b = bestShareAtKept(pts, 0.9);
    console.log(
      `${name.padEnd(31)} best share @0.9 kept ${b.toFixed(3)} (ratio to rerank ${(b / rr).toFixed(2)}) | ${pts.map((p) => `${p.kept.toFixed(3)}/${p.share.toFixed(3)}`).join(" ")}`,
    );
  };
  console.log(`${which}: ${base.users} users (least-squares shift: ${users})`);
  show("k2k", frontierOf(base, "k2k"));
  show("direction (labels)", frontierOf(base, "direction"));
  show("least-squares shift (no SAE)", lsShift);
  show("rerank", frontierOf(base, "rerank"));
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
void main();
