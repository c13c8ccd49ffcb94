/**
 * The two SAE backward hot spots before and after moving them into the addon (not a test):
 * `npx tsx bench/sae-backward-ops.ts [--repeats N]`. Batch 1024, d 512, 4096 latents, k 32.
 *   decode gradient on the code's support, dVals[p] += <G_r, W_dec[j]>: the former TypeScript loop
 *     (copied here as "before") against kernels().sddmm;
 *   encoder gradient dW_enc += C^T dP: the former path (transpose C in TypeScript, transpose the CSR,
 *     denseCsrT, then axpby into dW_enc) against kernels().denseTCsr writing into dW_enc directly.
 * Median wall and process CPU ms per call at 1 and 2 threads, the variants alternating.
 */
import { kernels } from "../src/tensor/backend.js";
import { Csr } from "../src/tensor/csr.js";
import { Matrix } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";
import { markdownTable, median } from "./timing.js";

const i = process.argv.indexOf("--repeats");
const REPEATS = i >= 0 ? Number(process.argv[i + 1]) : 15;
const [B, D, M, K] = [1024, 512, 4096, 32];
const rng = new Rng(5);
const indptr = new Int32Array(B + 1);
const indices = new Int32Array(B * K);
for (let r = 0; r < B; r++) {
  const s = new Set<number>();
  while (s.size < K) s.add(Math.floor(rng.uniform() * M));
  indices.set(
    [...s].sort((a, b) => a - b),
    r * K,
  );
  indptr[r + 1] = (r + 1) * K;
}
const vals = new Float32Array(B * K).map(() => rng.uniform());
const code = new Csr(B, M, indptr, indices, vals);
const mat = (r: number, c: number): Matrix => {
  const m = new Matrix(r, c);
  rng.fillNormal(m.data);
  return m;
};
const g = mat(B, D);
const wDec = mat(M, D);
const c = mat(B, D);
const dWenc = mat(D, M);
const dVals = new Float32Array(B * K);

function decodeBefore(): void {
  const W = wDec.data;
  for (let r = 0; r < B; r++) {
    const off = r * D;
    for (let p = indptr[r]; p < indptr[r + 1]; p++) {
      const bo = indices[p] * D;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let q = 0; q < D; q += 4) {
        s0 += g.data[off + q] * W[bo + q];
        s1 += g.data[off + q + 1] * W[bo + q + 1];
        s2 += g.data[off + q + 2] * W[bo + q + 2];
        s3 += g.data[off + q + 3] * W[bo + q + 3];
      }
      dVals[p] += s0 + s1 + s2 + s3;
    }
  }
}
const decodeAfter = (): void => void kernels().sddmm(code, g, wDec, dVals);
function encoderBefore(): void {
  const k = kernels();
  const prod = k.denseCsrT(c.transpose(), code.transpose());
  k.axpby(1, prod, 1, dWenc, dWenc);
}
const encoderAfter = (): void => void kernels().denseTCsr(c, code, dWenc, 1, 1);

function time(fn: () => void): { ms: number; cpu: number } {
  fn();
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
    const d = process.cpuUsage(c0);
    cpu.push((d.user + d.system) / 1000);
  }
  return { ms: median(ms), cpu: median(cpu) };
}

const rows: string[][] = [];
for (const threads of [1, 2]) {
  kernels().setThreads(threads);
  for (const [name, before, after] of [
    ["decode gradient on the support", decodeBefore, decodeAfter],
    ["encoder gradient C^T dP", encoderBefore, encoderAfter],
  ] as [string, () => void, () => void][]) {
    const b = time(before);
    const a = time(after);
    const f = (x: number): string => x.toFixed(2);
    rows.push([
      String(threads),
      name,
      `${f(b.ms)} / ${f(b.cpu)}`,
      `${f(a.ms)} / ${f(a.cpu)}`,
      `${(b.ms / a.ms).toFixed(1)}x`,
    ]);
  }
}
console.log(
  `batch ${B}, d ${D}, ${M} latents, k ${K}; backend ${kernels().name}; median of ${REPEATS} calls`,
);
console.log(
  markdownTable(["threads", "op", "before ms wall / CPU", "after ms wall / CPU", "wall speed-up"], rows),
);
