/**
 * SAE training-step benchmark (not a test): `npx tsx bench/sae-step.ts [--quick]`.
 *
 * Times one TopK SAE training step (forward, hand-written sparse backward, decoder-gradient
 * projection, Adam, decoder renormalisation) of src/sae at batch 1024, d 512, 4096 latents, k 32
 * on the active backend, with the sparse and the dense (gemm) paths forced or chosen by density
 * (AuxK with a quarter of the latents dead works in their subspace with gemm), and the same step
 * written with generic autograd (bench/kernels-sae.ts) for comparison. Median of repeats, in ms.
 */
import { backendInfo } from "../src/tensor/backend.js";
import type { LossConfig } from "../src/sae/losses/types.js";
import { defaultDensityThreshold } from "../src/sae/sparse-ops.js";
import { makeLibrarySaeStep, makeSaeStep } from "./kernels-sae.js";
import { markdownTable, timeIt } from "./timing.js";

const quick = process.argv.includes("--quick");
const shape = { batch: 1024, d: 512, latents: 4096, k: 32 };
const repeats = quick ? 3 : 7;

const dead = new Uint8Array(shape.latents);
for (let j = 0; j < shape.latents; j += 4) dead[j] = 1; // a quarter dead, so AuxK does work
const handStep = (architecture: string, densityThreshold: number, losses: LossConfig): (() => void) =>
  makeLibrarySaeStep(shape, { architecture, densityThreshold, losses, dead });

const l2: LossConfig = { l2: { weight: 1 } };
const withAux: LossConfig = {
  l2: { weight: 1 },
  auxk: { weight: 1 / 32, deadAfter: 1, normalisation: "variance" },
};
const rows: string[][] = [];
const cases: [string, () => void][] = [
  ["topk, hand-written, sparse path", handStep("topk", 2, l2)],
  ["topk, hand-written, dense path", handStep("topk", 0, l2)],
  ["topk + AuxK (1/4 dead), sparse path", handStep("topk", 2, withAux)],
  ["topk + AuxK (1/4 dead), default paths", handStep("topk", defaultDensityThreshold(), withAux)],
  ["batchtopk, sparse path", handStep("batchtopk", 2, l2)],
  ["topk, generic autograd (bench/kernels-sae.ts)", makeSaeStep(shape)],
];
for (const [name, fn] of cases) {
  const t = timeIt(fn, 1, repeats);
  rows.push([name, t.medianMs.toFixed(1), t.minMs.toFixed(1)]);
}
const info = backendInfo();
console.log(
  `backend ${info.backend}, ${info.threads} thread(s); batch ${shape.batch}, d ${shape.d}, latents ${shape.latents}, k ${shape.k}`,
);
console.log(markdownTable(["step", "median ms", "min ms"], rows));
