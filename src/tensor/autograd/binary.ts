import { kernels } from "../backend.js";
import { Matrix } from "../matrix.js";
import { broadcastPlan, layoutOf, type BroadcastPlan, type Layout } from "./broadcast.js";
import { accumulate, accumulateColSums, accumulateProduct, accumulateRowSums, gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { scratchMatrix } from "./scratch.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/** The four elementwise binary ops; all broadcast as described in broadcast.ts. */
type Kind = "add" | "sub" | "mul" | "div";

// ---- generic strided loops: every broadcast combination, used where no kernel fits ----

function forwardLoop(kind: Kind, a: Float32Array, b: Float32Array, c: Float32Array, p: BroadcastPlan): void {
  const { rows, cols, aRow, aCol, bRow, bCol } = p;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    const ia = i * aRow;
    const ib = i * bRow;
    switch (kind) {
      case "add":
        for (let j = 0; j < cols; j++) c[o + j] = a[ia + j * aCol] + b[ib + j * bCol];
        break;
      case "sub":
        for (let j = 0; j < cols; j++) c[o + j] = a[ia + j * aCol] - b[ib + j * bCol];
        break;
      case "mul":
        for (let j = 0; j < cols; j++) c[o + j] = a[ia + j * aCol] * b[ib + j * bCol];
        break;
      case "div":
        for (let j = 0; j < cols; j++) c[o + j] = a[ia + j * aCol] / b[ib + j * bCol];
        break;
    }
  }
}

/** Accumulates d/d(a) of mul or div into `ga` (summing over broadcast dimensions). */
function backwardALoop(
  kind: "mul" | "div",
  g: Float32Array,
  b: Float32Array,
  ga: Float32Array,
  p: BroadcastPlan,
): void {
  const { rows, cols, aRow, aCol, bRow, bCol } = p;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    const ia = i * aRow;
    const ib = i * bRow;
    if (kind === "mul") for (let j = 0; j < cols; j++) ga[ia + j * aCol] += g[o + j] * b[ib + j * bCol];
    else for (let j = 0; j < cols; j++) ga[ia + j * aCol] += g[o + j] / b[ib + j * bCol];
  }
}

/** Accumulates d/d(b) of mul or div into `gb`; `c` is the forward output (used by div). */
function backwardBLoop(
  kind: "mul" | "div",
  g: Float32Array,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  gb: Float32Array,
  p: BroadcastPlan,
): void {
  const { rows, cols, aRow, aCol, bRow, bCol } = p;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    const ia = i * aRow;
    const ib = i * bRow;
    if (kind === "mul") for (let j = 0; j < cols; j++) gb[ib + j * bCol] += g[o + j] * a[ia + j * aCol];
    // d(a/b)/db = -a/b^2 = -c/b
    else for (let j = 0; j < cols; j++) gb[ib + j * bCol] -= (g[o + j] * c[o + j]) / b[ib + j * bCol];
  }
}

// ---- kernel paths ----

/** x + s * v broadcast over the rows of a full operand x (v a row vector or 1x1 scalar). */
function addBroadcast(x: Matrix, v: Matrix, vLayout: Layout, s: 1 | -1): Matrix {
  let vec: Float32Array;
  if (vLayout === "scalar") vec = new Float32Array(x.cols).fill(s * v.data[0]);
  else if (s === 1) vec = v.data;
  else vec = v.data.map((e) => -e);
  return kernels().addRowVector(x, vec);
}

/** The forward value through a kernel when one fits the shapes, else null. */
function forwardKernel(kind: Kind, a: Matrix, b: Matrix, la: Layout, lb: Layout): Matrix | null {
  const K = kernels();
  if (la === "full" && lb === "full") {
    if (kind === "add") return K.axpby(1, a, 1, b);
    if (kind === "sub") return K.axpby(1, a, -1, b);
    if (kind === "mul") return K.mul(a, b);
    return null;
  }
  if (la === "full" && (lb === "row" || lb === "scalar")) {
    if (kind === "add") return addBroadcast(a, b, lb, 1);
    if (kind === "sub") return addBroadcast(a, b, lb, -1);
  }
  if (kind === "add" && lb === "full" && (la === "row" || la === "scalar")) return addBroadcast(b, a, la, 1);
  return null;
}

/** v.grad += s * g reduced onto v's layout (the gradient of an add/sub operand). */
function accumulateReduced(v: Variable, g: Matrix, layout: Layout, s: 1 | -1): void {
  if (layout === "full") accumulate(v, g, s);
  else if (layout === "row") accumulateColSums(v, g, s);
  else if (layout === "col") accumulateRowSums(v, g, s);
  else gradOf(v).data[0] += s * kernels().sumAll(g);
}

/**
 * d(a * b)/d(x) for the operand x (layout lx) with the other operand y (layout ly): a kernel path
 * when y is full (product g ⊙ y, then reduced onto x's layout); returns false when not handled.
 */
function mulGradKernel(x: Variable, lx: Layout, y: Matrix, ly: Layout, g: Matrix): boolean {
  if (ly !== "full") return false;
  if (lx === "full") {
    accumulateProduct(x, g, y);
    return true;
  }
  accumulateReduced(x, kernels().mul(g, y, scratchMatrix(g.rows, g.cols)), lx, 1);
  return true;
}

function binary(kind: Kind, r: Recorder, aIn: Input, bIn: Input): Variable {
  const a = asVariable(aIn);
  const b = asVariable(bIn);
  const p = broadcastPlan(kind, a.value, b.value);
  const la = layoutOf(a.value, p);
  const lb = layoutOf(b.value, p);
  let c = forwardKernel(kind, a.value, b.value, la, lb);
  if (c === null) {
    c = new Matrix(p.rows, p.cols);
    forwardLoop(kind, a.value.data, b.value.data, c.data, p);
  }
  const out = c;
  return r.record(out, [a, b], (g) => {
    if (kind === "add" || kind === "sub") {
      if (a.requiresGrad) accumulateReduced(a, g, la, 1);
      if (b.requiresGrad) accumulateReduced(b, g, lb, kind === "add" ? 1 : -1);
      return;
    }
    if (a.requiresGrad && !(kind === "mul" && mulGradKernel(a, la, b.value, lb, g)))
      backwardALoop(kind, g.data, b.value.data, gradOf(a).data, p);
    if (b.requiresGrad && !(kind === "mul" && mulGradKernel(b, lb, a.value, la, g)))
      backwardBLoop(kind, g.data, a.value.data, b.value.data, out.data, gradOf(b).data, p);
  });
}

/** a + b, elementwise with broadcasting. */
export function add(r: Recorder, a: Input, b: Input): Variable {
  return binary("add", r, a, b);
}

/** a - b, elementwise with broadcasting. */
export function sub(r: Recorder, a: Input, b: Input): Variable {
  return binary("sub", r, a, b);
}

/** a * b (Hadamard), elementwise with broadcasting. */
export function mul(r: Recorder, a: Input, b: Input): Variable {
  return binary("mul", r, a, b);
}

/** a / b, elementwise with broadcasting (no guard against division by zero). */
export function div(r: Recorder, a: Input, b: Input): Variable {
  return binary("div", r, a, b);
}
