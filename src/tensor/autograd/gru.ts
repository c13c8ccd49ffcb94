import { kernels } from "../backend.js";
import { Matrix } from "../matrix.js";
import { commitContribution } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/** Sequences packed back to back: sequence b occupies rows [starts[b], starts[b] + lengths[b]), oldest first. */
export interface GruSegments {
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** For each step t, the rows of the sequences still running at t (t-th item of each). */
function stepRows(seg: GruSegments, rows: number): Int32Array[] {
  const { starts, lengths } = seg;
  if (starts.length !== lengths.length)
    throw new RangeError(`gru: ${starts.length} segment starts but ${lengths.length} lengths`);
  let longest = 0;
  for (let b = 0; b < starts.length; b++) {
    const s = starts[b];
    const n = lengths[b];
    if (!(Number.isInteger(s) && Number.isInteger(n) && s >= 0 && n >= 0 && s + n <= rows))
      throw new RangeError(`gru: segment ${b} [${s}, ${s + n}) out of range for ${rows} rows`);
    longest = Math.max(longest, n);
  }
  const steps: Int32Array[] = [];
  for (let t = 0; t < longest; t++) {
    const idx: number[] = [];
    for (let b = 0; b < starts.length; b++) if (lengths[b] > t) idx.push(starts[b] + t);
    steps.push(Int32Array.from(idx));
  }
  return steps;
}

/**
 * One GRU layer run over packed sequences (PyTorch's gate order and equations, h_0 = 0):
 *
 *   r = σ(x_r + h W_hr + b_hr),  z = σ(x_z + h W_hz + b_hz),
 *   n = tanh(x_n + r ⊙ (h W_hn + b_hn)),  h' = (1 - z) ⊙ n + z ⊙ h,
 *
 * where `xProj` (rows x 3H, column blocks [r | z | n]) holds the input projections x W_ih + b_ih of
 * every row, computed by the caller with one gemm. `whh` is H x 3H ([W_hr | W_hz | W_hn]) and
 * `bhh` 1 x 3H. Returns the hidden state after each row (rows x H); rows outside every segment stay
 * 0. Each step gathers the running sequences' previous states and runs one gemm; the backward pass
 * goes through time with two gemms per step (dW_hh += H_prev^T dG, dH_prev += dG W_hh^T).
 */
export function gru(r: Recorder, xProjIn: Input, whhIn: Input, bhhIn: Input, seg: GruSegments): Variable {
  const xp = asVariable(xProjIn);
  const whh = asVariable(whhIn);
  const bhh = asVariable(bhhIn);
  const H = whh.rows;
  if (whh.cols !== 3 * H || xp.cols !== 3 * H || bhh.rows !== 1 || bhh.cols !== 3 * H)
    throw new RangeError(
      `gru: shape mismatch: input projections ${xp.shape}, W_hh ${whh.shape}, b_hh ${bhh.shape} (expected rows x 3H, H x 3H, 1 x 3H)`,
    );
  const rows = xp.rows;
  const steps = stepRows(seg, rows);
  const K = kernels();
  const x = xp.value.data;
  const bh = bhh.value.data;
  const out = new Matrix(rows, H);
  const h = out.data;
  const rg = new Float32Array(rows * H);
  const zg = new Float32Array(rows * H);
  const ng = new Float32Array(rows * H);
  const hn = new Float32Array(rows * H);
  const G3 = 3 * H;
  const prevStates = (idx: Int32Array): Matrix => {
    const m = new Matrix(idx.length, H);
    for (let i = 0; i < idx.length; i++) m.data.set(h.subarray((idx[i] - 1) * H, idx[i] * H), i * H);
    return m;
  };
  steps.forEach((idx, t) => {
    const m = idx.length;
    const gh = new Matrix(m, G3);
    if (t > 0) K.gemm(false, false, 1, prevStates(idx), whh.value, 0, gh);
    K.addRowVector(gh, bh, gh);
    const g = gh.data;
    for (let i = 0; i < m; i++) {
      const row = idx[i];
      const xo = row * G3;
      const go = i * G3;
      const ho = row * H;
      for (let k = 0; k < H; k++) {
        const rr = sigmoid(x[xo + k] + g[go + k]);
        const zz = sigmoid(x[xo + H + k] + g[go + H + k]);
        const ghn = g[go + 2 * H + k];
        const nn = Math.tanh(x[xo + 2 * H + k] + rr * ghn);
        const hp = t > 0 ? h[ho - H + k] : 0;
        h[ho + k] = (1 - zz) * nn + zz * hp;
        rg[ho + k] = rr;
        zg[ho + k] = zz;
        ng[ho + k] = nn;
        hn[ho + k] = ghn;
      }
    }
  });
  return r.record(out, [xp, whh, bhh], (gOut) => {
    const dH = gOut.data.slice();
    const dX = xp.requiresGrad ? new Matrix(rows, G3) : null;
    const dW = whh.requiresGrad ? new Matrix(H, G3) : null;
    const db = bhh.requiresGrad ? new Float32Array(G3) : null;
    for (let t = steps.length - 1; t >= 0; t--) {
      const idx = steps[t];
      const m = idx.length;
      const dG = new Matrix(m, G3);
      const dg = dG.data;
      for (let i = 0; i < m; i++) {
        const row = idx[i];
        const ho = row * H;
        const go = i * G3;
        for (let k = 0; k < H; k++) {
          const dh = dH[ho + k];
          const zz = zg[ho + k];
          const nn = ng[ho + k];
          const rr = rg[ho + k];
          const hp = t > 0 ? h[ho - H + k] : 0;
          const dan = dh * (1 - zz) * (1 - nn * nn);
          const dar = dan * hn[ho + k] * rr * (1 - rr);
          const daz = dh * (hp - nn) * zz * (1 - zz);
          dg[go + k] = dar;
          dg[go + H + k] = daz;
          dg[go + 2 * H + k] = dan * rr;
          if (dX) {
            const xo = row * G3;
            dX.data[xo + k] = dar;
            dX.data[xo + H + k] = daz;
            dX.data[xo + 2 * H + k] = dan;
          }
          if (t > 0) dH[ho - H + k] += dh * zz;
        }
      }
      if (db) {
        const s = K.sumCols(dG);
        for (let c = 0; c < G3; c++) db[c] += s[c];
      }
      if (t === 0) continue;
      if (dW) K.gemm(true, false, 1, prevStates(idx), dG, 1, dW);
      const dPrev = K.gemm(false, true, 1, dG, whh.value, 0, new Matrix(m, H));
      for (let i = 0; i < m; i++) {
        const po = (idx[i] - 1) * H;
        for (let k = 0; k < H; k++) dH[po + k] += dPrev.data[i * H + k];
      }
    }
    if (dX) commitContribution(xp, dX);
    if (dW) commitContribution(whh, dW);
    if (db) commitContribution(bhh, new Matrix(1, G3, db));
  });
}
