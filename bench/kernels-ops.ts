/**
 * Non-gemm kernels for the kernels benchmark: each op at a realistic size, timed on the reference
 * backend (plain TypeScript) and on the blas backend's native C++ loops.
 */
import { Csr } from "../src/tensor/csr.js";
import type { Kernels } from "../src/tensor/kernels/types.js";
import { Matrix } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";

/** One benchmarked op: a label and a closure over pre-built inputs. */
export interface OpCase {
  name: string;
  run: (k: Kernels) => void;
}

function normal(rng: Rng, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  rng.fillNormal(m.data);
  return m;
}

/** Random binary interaction matrix with the given density. */
function interactions(rng: Rng, rows: number, cols: number, density: number): Csr {
  const r: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (rng.uniform() < density) {
        r.push(i);
        c.push(j);
      }
    }
  }
  return Csr.fromTriplets(rows, cols, r, c);
}

/** The op cases: users x items = 1024 x 4096 at 2% density, 512-wide dense factors, SAE-sized rows. */
export function opCases(seed = 1): OpCase[] {
  const rng = new Rng(seed);
  const users = 1024;
  const items = 4096;
  const d = 512;
  const x = interactions(rng, users, items, 0.02);
  const itemFactors = normal(rng, items, d);
  const userFactors = normal(rng, users, d);
  const scores = normal(rng, users, items);
  const wide = normal(rng, 256, 20000);
  const n = d * items;
  const p = normal(rng, 1, n).data;
  const g = normal(rng, 1, n).data;
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  let step = 0;
  const out = (rows: number, cols: number): Matrix => new Matrix(rows, cols);
  const uxd = out(users, d);
  const ixd = out(items, d);
  const uxu = out(users, users);
  const uxi = out(users, items);
  return [
    {
      name: `csrMm (${x.shape}, nnz ${x.nnz}) x ${itemFactors.shape}`,
      run: (k) => k.csrMm(x, itemFactors, uxd),
    },
    { name: `csrTMm (${x.shape})^T x ${userFactors.shape}`, run: (k) => k.csrTMm(x, userFactors, ixd) },
    { name: `denseCsrT ${scores.shape} x (${x.shape})^T`, run: (k) => k.denseCsrT(scores, x, uxu) },
    { name: `rowTopK ${scores.shape}, k=32`, run: (k) => k.rowTopK(scores, 32) },
    { name: `rowTopK ${wide.shape}, k=100`, run: (k) => k.rowTopK(wide, 100) },
    { name: `softmaxRows ${scores.shape}`, run: (k) => k.softmaxRows(scores, uxi) },
    { name: `logSoftmaxRows ${scores.shape}`, run: (k) => k.logSoftmaxRows(scores, uxi) },
    {
      name: `adamUpdate ${n} params`,
      run: (k) =>
        k.adamUpdate(p, g, m, v, {
          lr: 1e-4,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay: 0,
          decoupled: true,
          step: ++step,
        }),
    },
    { name: `axpby ${scores.shape}`, run: (k) => k.axpby(0.5, scores, 2, scores, uxi) },
    { name: `relu ${scores.shape}`, run: (k) => k.relu(scores, uxi) },
    { name: `sumCols ${scores.shape}`, run: (k) => k.sumCols(scores) },
    { name: `rowNorms ${scores.shape}`, run: (k) => k.rowNorms(scores) },
  ];
}
