import { Matrix } from "../matrix.js";
import { broadcastPlan, type BroadcastPlan } from "./broadcast.js";
import { gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/** The four elementwise binary ops; all broadcast as described in broadcast.ts. */
type Kind = "add" | "sub" | "mul" | "div";

function forward(kind: Kind, a: Float32Array, b: Float32Array, c: Float32Array, p: BroadcastPlan): void {
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

/** Accumulates d/d(a) of the op into `ga` (summing over broadcast dimensions). */
function backwardA(kind: Kind, g: Float32Array, b: Float32Array, ga: Float32Array, p: BroadcastPlan): void {
  const { rows, cols, aRow, aCol, bRow, bCol } = p;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    const ia = i * aRow;
    const ib = i * bRow;
    switch (kind) {
      case "add":
      case "sub":
        for (let j = 0; j < cols; j++) ga[ia + j * aCol] += g[o + j];
        break;
      case "mul":
        for (let j = 0; j < cols; j++) ga[ia + j * aCol] += g[o + j] * b[ib + j * bCol];
        break;
      case "div":
        for (let j = 0; j < cols; j++) ga[ia + j * aCol] += g[o + j] / b[ib + j * bCol];
        break;
    }
  }
}

/** Accumulates d/d(b) of the op into `gb`; `c` is the forward output (used by div). */
function backwardB(
  kind: Kind,
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
    switch (kind) {
      case "add":
        for (let j = 0; j < cols; j++) gb[ib + j * bCol] += g[o + j];
        break;
      case "sub":
        for (let j = 0; j < cols; j++) gb[ib + j * bCol] -= g[o + j];
        break;
      case "mul":
        for (let j = 0; j < cols; j++) gb[ib + j * bCol] += g[o + j] * a[ia + j * aCol];
        break;
      case "div":
        // d(a/b)/db = -a/b^2 = -c/b
        for (let j = 0; j < cols; j++) gb[ib + j * bCol] -= (g[o + j] * c[o + j]) / b[ib + j * bCol];
        break;
    }
  }
}

function binary(kind: Kind, r: Recorder, aIn: Input, bIn: Input): Variable {
  const a = asVariable(aIn);
  const b = asVariable(bIn);
  const p = broadcastPlan(kind, a.value, b.value);
  const c = new Matrix(p.rows, p.cols);
  forward(kind, a.value.data, b.value.data, c.data, p);
  return r.record(c, [a, b], (g) => {
    if (a.requiresGrad) backwardA(kind, g.data, b.value.data, gradOf(a).data, p);
    if (b.requiresGrad) backwardB(kind, g.data, a.value.data, b.value.data, c.data, gradOf(b).data, p);
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
