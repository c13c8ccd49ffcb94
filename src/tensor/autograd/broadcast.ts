import type { Matrix } from "../matrix.js";

/**
 * How two operands of an elementwise binary op line up. Each dimension must be equal or 1 in one
 * operand (same shape, row vector 1 x n over m x n, column vector m x 1 over m x n, 1x1 scalar).
 * Element (i, j) of the output reads `a[i * aRow + j * aCol]` and `b[i * bRow + j * bCol]`.
 */
export interface BroadcastPlan {
  readonly rows: number;
  readonly cols: number;
  readonly aRow: number;
  readonly aCol: number;
  readonly bRow: number;
  readonly bCol: number;
}

/**
 * How one operand maps onto the output of a broadcast op: `full` (same shape), `row` (1 x n repeated
 * down m > 1 rows), `col` (m x 1 repeated across n > 1 columns) or `scalar` (1x1 repeated over both).
 */
export type Layout = "full" | "row" | "col" | "scalar";

function outDim(x: number, y: number): number {
  if (x === y) return x;
  if (x === 1) return y;
  if (y === 1) return x;
  return -1;
}

/** The plan for `op(a, b)`; throws a RangeError naming the op and both shapes when they do not broadcast. */
export function broadcastPlan(op: string, a: Matrix, b: Matrix): BroadcastPlan {
  const rows = outDim(a.rows, b.rows);
  const cols = outDim(a.cols, b.cols);
  if (rows < 0 || cols < 0) {
    throw new RangeError(
      `${op}: shape mismatch ${a.shape} vs ${b.shape} (expected equal shapes or a 1 x n / m x 1 / 1 x 1 operand)`,
    );
  }
  return {
    rows,
    cols,
    aRow: a.rows === 1 ? 0 : a.cols,
    aCol: a.cols === 1 ? 0 : 1,
    bRow: b.rows === 1 ? 0 : b.cols,
    bCol: b.cols === 1 ? 0 : 1,
  };
}

/** The layout of an operand `x` of a broadcast op whose output is `p.rows x p.cols`. */
export function layoutOf(x: Matrix, p: BroadcastPlan): Layout {
  if (x.rows === p.rows && x.cols === p.cols) return "full";
  if (x.rows === 1 && x.cols === 1) return "scalar";
  return x.rows === 1 ? "row" : "col";
}
