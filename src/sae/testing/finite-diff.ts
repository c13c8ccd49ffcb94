import type { Matrix } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";

/** One compared coordinate of a finite-difference check. */
export interface FdSample {
  index: number;
  analytic: number;
  numeric: number;
  /** The function jumps near this point (one-sided slopes disagree at every step tried): not compared. */
  kink: boolean;
}

/**
 * Central finite differences of `f` with respect to `count` random coordinates of `param` (all
 * when count >= size). TopK-style selections make the loss piecewise smooth, so a coordinate whose
 * one-sided slopes disagree is retried with a 10x smaller step and flagged as a kink if they still
 * disagree. The parameter is restored afterwards. Test helper.
 */
export function finiteDifferences(
  f: () => number,
  param: Matrix,
  analytic: Matrix,
  count: number,
  h: number,
  seed = 1,
): FdSample[] {
  const size = param.data.length;
  const idx =
    count >= size
      ? Array.from({ length: size }, (_, i) => i)
      : Array.from(new Rng(seed).permutation(size).subarray(0, count));
  const f0 = f();
  const out: FdSample[] = [];
  for (const i of idx) {
    const v = param.data[i];
    let sample: FdSample | null = null;
    for (const step of [h, h / 10]) {
      param.data[i] = v + step;
      const fp = f();
      param.data[i] = v - step;
      const fm = f();
      param.data[i] = v;
      const right = (fp - f0) / step;
      const left = (f0 - fm) / step;
      const numeric = (fp - fm) / (2 * step);
      const smooth = Math.abs(right - left) <= 0.1 * Math.max(Math.abs(right), Math.abs(left)) + 50 * step;
      sample = { index: i, analytic: analytic.data[i], numeric, kink: !smooth };
      if (smooth) break;
    }
    out.push(sample as FdSample);
  }
  return out;
}

/**
 * Smooth samples whose analytic and numeric values differ by more than
 * atol + rtol * max(|analytic|, |numeric|, largest |analytic| of the set).
 */
export function fdMismatches(samples: FdSample[], rtol: number, atol: number): FdSample[] {
  const scale = Math.max(...samples.map((s) => Math.abs(s.analytic)), 0);
  return samples.filter(
    (s) =>
      !s.kink &&
      Math.abs(s.analytic - s.numeric) >
        atol + rtol * Math.max(Math.abs(s.analytic), Math.abs(s.numeric), scale),
  );
}
