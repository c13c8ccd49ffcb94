import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { Tape } from "./tape.js";
import { param, type Variable } from "./variable.js";

/** Settings of `gradCheck`. */
export interface GradCheckOptions {
  /** Central-difference step (default 1e-2; float32 inputs make much smaller steps noisy). */
  eps?: number;
  /** Relative tolerance (default 1e-2). */
  rtol?: number;
  /** Absolute tolerance (default 1e-3). */
  atol?: number;
  /** Inputs with more elements are checked on a random subset of this many (default 64). */
  maxElements?: number;
  /** Seed of the output weights and of the element subsets (default 1). */
  seed?: number;
  /** Which inputs to check (default all); unchecked inputs still get requiresGrad. */
  wrt?: readonly boolean[];
}

/** One element whose analytic and numeric derivatives disagree. */
export interface GradCheckFailure {
  input: number;
  index: number;
  analytic: number;
  numeric: number;
}

/** Outcome of `gradCheck`. */
export interface GradCheckReport {
  /** Number of (input, element) derivatives compared. */
  checked: number;
  failures: GradCheckFailure[];
  /** Largest |analytic - numeric| seen. */
  maxAbsError: number;
  /** |objective(recording tape) - objective(no-grad tape)|: the two forward paths must agree. */
  forwardMismatch: number;
}

/** Builds the output under test from the tape and the input variables (same order as the inputs). */
export type GradCheckFn = (t: Tape, inputs: Variable[]) => Variable;

/**
 * Finite-difference gradient check. The scalar objective is sum(output * W) for fixed random
 * normal weights W, accumulated in float64; its analytic gradient comes from `tape.backward(out, W)`
 * and is compared with central differences (x +- eps, the actual float32 step is used as the
 * denominator) on every element of every input, or on a random subset of `maxElements` for large
 * inputs. Re-evaluations run on a non-recording tape in training mode, so `build` must be
 * deterministic (create any Rng inside it). The inputs are copied, never modified.
 */
export function gradCheck(
  build: GradCheckFn,
  inputs: readonly Matrix[],
  options: GradCheckOptions = {},
): GradCheckReport {
  const eps = options.eps ?? 1e-2;
  const rtol = options.rtol ?? 1e-2;
  const atol = options.atol ?? 1e-3;
  const maxElements = options.maxElements ?? 64;
  const rng = new Rng(options.seed ?? 1);
  const vars = inputs.map((m, i) => param(m.clone(), `input${i}`));

  const tape = new Tape();
  const out = build(tape, vars);
  const weights = new Matrix(out.rows, out.cols);
  rng.fillNormal(weights.data);
  const objective = (value: Matrix): number => {
    if (value.rows !== weights.rows || value.cols !== weights.cols) {
      throw new RangeError(`gradCheck: output shape changed from ${weights.shape} to ${value.shape}`);
    }
    let s = 0;
    for (let t = 0; t < value.data.length; t++) s += value.data[t] * weights.data[t];
    return s;
  };
  const evaluate = (): number => objective(build(new Tape({ recording: false, training: true }), vars).value);
  const f0 = objective(out.value);
  tape.backward(out, weights);

  const report: GradCheckReport = {
    checked: 0,
    failures: [],
    maxAbsError: 0,
    forwardMismatch: Math.abs(evaluate() - f0),
  };
  vars.forEach((v, i) => {
    if (options.wrt && options.wrt[i] === false) return;
    const data = v.value.data;
    const n = data.length;
    const picks =
      n <= maxElements
        ? Array.from({ length: n }, (_, k) => k)
        : Array.from(rng.permutation(n).subarray(0, maxElements));
    for (const k of picks) {
      const orig = data[k];
      data[k] = orig + eps;
      const hi = data[k];
      const fHi = evaluate();
      data[k] = orig - eps;
      const lo = data[k];
      const fLo = evaluate();
      data[k] = orig;
      const numeric = (fHi - fLo) / (hi - lo);
      const analytic = v.grad ? v.grad.data[k] : 0;
      const err = Math.abs(analytic - numeric);
      report.checked++;
      report.maxAbsError = Math.max(report.maxAbsError, err);
      if (!(err <= atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric)))) {
        report.failures.push({ input: i, index: k, analytic, numeric });
      }
    }
  });
  return report;
}
