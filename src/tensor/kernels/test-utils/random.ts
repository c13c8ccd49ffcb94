// Random inputs and tolerance checks shared by the kernel tests.
import { expect } from "vitest";
import { Csr } from "../../csr.js";
import { Matrix } from "../../matrix.js";
import { Rng } from "../../rng.js";

/** rows x cols matrix with standard-normal entries. */
export function randomMatrix(rng: Rng, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  rng.fillNormal(m.data);
  return m;
}

/**
 * rows x cols sparse matrix keeping each entry with probability `density` (normal values); the rows
 * listed in `emptyRows` are left empty.
 */
export function randomCsr(
  rng: Rng,
  rows: number,
  cols: number,
  density: number,
  emptyRows: number[] = [],
): Csr {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  const empty = new Set(emptyRows);
  for (let i = 0; i < rows; i++) {
    if (empty.has(i)) continue;
    for (let j = 0; j < cols; j++) {
      if (rng.uniform() < density) {
        r.push(i);
        c.push(j);
        v.push(rng.normal());
      }
    }
  }
  return Csr.fromTriplets(rows, cols, r, c, v);
}

/** Elementwise absolute value (for error bounds of products). */
export function absMatrix(m: Matrix): Matrix {
  return new Matrix(m.rows, m.cols, m.data.map(Math.abs));
}

/**
 * Asserts |actual - expected| <= rel * scale + abs elementwise, where scale is a per-element magnitude
 * (e.g. sum |a||b| of the products involved); reports the worst element.
 */
export function expectWithin(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  scale: ArrayLike<number> | number,
  rel: number,
  abs = 0,
  label = "",
): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    if (Object.is(actual[i], expected[i]) || actual[i] === expected[i]) continue;
    const s = typeof scale === "number" ? scale : scale[i];
    const excess = Math.abs(actual[i] - expected[i]) - (rel * s + abs);
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (beyond tolerance by ${worstExcess})`,
    );
  }
}

/** Asserts two float arrays are equal element by element, NaN equal to NaN. */
export function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, label = ""): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(actual[i] === expected[i])) {
      expect.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}
