/**
 * Benchmark (not a test): fitted concept directions (issue 18, part 5) against the labels' selective
 * direction, k2k and metadata re-ranking, on one run's held-out users. Each fitted variant gets its
 * own metadata-free calibration over all its concept directions (every family, as serving does),
 * measured on the validation users; the labels' direction uses the stored one.
 *
 *   RECLENS_THREADS=1 npx tsx bench/steer-fitted.ts <run> <family> [validation|test] [ridge:max:pow[:anchor[:sweeps[:solver]]] ...]
 *
 * anchor: "train" (default, mean training representation) or "zero"; solver: "as" (active set, the
 * default) or "cd" (coordinate descent with `sweeps` sweeps, the first solver). Prints one line per operator:
 * best segment share at Recall kept >= 0.9, ratio to rerank's, dominance over k2k, the frontier.
 */
import { DEFAULT_MIN_SUPPORT } from "../src/concepts/activations.js";
import { fittedConceptDirections } from "../src/pipeline/fitted-directions.js";
import { trainingRepresentations } from "../src/pipeline/representations.js";
import { ensureCalibration, frontierOf } from "../src/pipeline/steer-operators-run.js";
import { calibrateDirections, ensureStrengthScales } from "../src/pipeline/strength-scale.js";
import { evaluateOperators } from "../src/steer/operators-eval.js";
import { bestShareAtKept, dominates } from "../src/steer/operators-frontier.js";
import { openSteerBench } from "./steer-bench-run.js";
import type { CodeDirection } from "../src/steer/personal.js";
import { Matrix } from "../src/tensor/matrix.js";

async function main(): Promise<void> {
  const [run, fam, which = "validation", ...variantArgs] = process.argv.slice(2);
  const { ctx, loaded, z, doc, family, tagToNeuron, labelDirs, part, calPart } = await openSteerBench(
    run,
    fam,
    which,
  );
  const t0 = performance.now();
  const shiftCal = ensureCalibration(ctx, loaded, z, DEFAULT_MIN_SUPPORT, 20).calibration;
  const scales = ensureStrengthScales(ctx, loaded, doc, () => z);
  const reps = trainingRepresentations(ctx.model, ctx.split.train);
  const base = evaluateOperators(ctx.model, loaded.sae, part, family.matrix, tagToNeuron, {
    operators: ["k2k", "direction", "rerank"],
    calibration: shiftCal,
    calibrations: scales.direction ? { direction: scales.direction } : {},
    tagToDirection: (t) => labelDirs.get(t) ?? null,
  });
  const rr = bestShareAtKept(frontierOf(base, "rerank"), 0.9);
  const k2k = frontierOf(base, "k2k");
  const line = (name: string, pts: ReturnType<typeof frontierOf>): void => {
    const b = bestShareAtKept(pts, 0.9);
    const d = dominates(pts, k2k);
    const c = dominates(
      pts.map((p) => ({ kept: Math.min(1, p.kept), share: p.share })),
      k2k.map((p) => ({ kept: Math.min(1, p.kept), share: p.share })),
    );
    console.log(
      `${name.padEnd(26)} best@0.9 ${b.toFixed(3)} ratio ${(b / rr).toFixed(2)} dom-k2k ${d.dominates ? "yes" : "no"} ${d.worstMargin.toFixed(3)} capped ${c.dominates ? "yes" : "no"} ${c.worstMargin.toFixed(3)} | ${pts.map((p) => `${p.kept.toFixed(3)}/${p.share.toFixed(3)}`).join(" ")}`,
    );
  };
  console.log(`${which}: ${base.users} users (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  for (const op of ["k2k", "direction", "rerank"] as const)
    line(op === "direction" ? "direction (labels)" : op, frontierOf(base, op));
  for (const v of variantArgs.length > 0 ? variantArgs : ["0.001:32:1"]) {
    const [ridge, max, pow, anchor = "train", sweeps = "500", solver = "as"] = v.split(":");
    if (solver !== "as" && solver !== "cd")
      throw new Error(`variant ${v}: solver must be as or cd, got ${solver}`);
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const anchorRows = anchor === "zero" ? new Matrix(1, reps.cols) : reps;
    const fitted = fittedConceptDirections(
      ctx.model,
      loaded.sae,
      anchorRows,
      z,
      ctx.split.train,
      ctx.dataset.concepts,
      {
        popularityPower: Number(pow),
        fit: {
          ridge: Number(ridge),
          maxNeurons: Number(max),
          sweeps: Number(sweeps),
          solver: solver === "cd" ? "coordinate" : "active-set",
        },
      },
    );
    const dirs = new Map<number, CodeDirection>();
    const r2: number[] = [];
    for (const [key, f] of fitted) {
      const [kind, index] = key.split("\u0000");
      if (kind === family.kind) {
        dirs.set(Number(index), f.direction);
        r2.push(f.r2);
      }
    }
    const all = [...fitted.values()].map((f) => f.direction).filter((d) => d.length > 1);
    const t2 = performance.now();
    const fitCpu = process.cpuUsage(c1);
    const cal = calibrateDirections(ctx.model, loaded.sae, calPart, all, { k: 20 }); // DIRECTION_AMOUNTS
    const r = evaluateOperators(ctx.model, loaded.sae, part, family.matrix, tagToNeuron, {
      operators: ["direction"],
      calibrations: { direction: cal },
      tagToDirection: (t) => dirs.get(t) ?? null,
    });
    line(`fitted ${v}`, frontierOf(r, "direction"));
    const sizes = [...dirs.values()].map((d) => d.length);
    console.log(
      `  ${family.kind}: ${dirs.size} directions, neurons ${Math.min(...sizes)}-${Math.max(...sizes)}, R2 ${Math.min(...r2).toFixed(2)}-${Math.max(...r2).toFixed(2)} (median ${r2.sort((a, b) => a - b)[r2.length >> 1].toFixed(3)}, mean ${(r2.reduce((a, b) => a + b, 0) / r2.length).toFixed(4)}); amounts ${cal.table
        .filter((_, q) => q % 5 === 0)
        .map((t) => t.amount.toPrecision(3))
        .join(
          " ",
        )}; fit ${((t2 - t1) / 1000).toFixed(1)} s (${((fitCpu.user + fitCpu.system) / 1e6).toFixed(1)} s CPU), calibrate+eval ${((performance.now() - t2) / 1000).toFixed(1)} s`,
    );
  }
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
void main();
