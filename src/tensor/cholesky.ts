/**
 * Small dense Cholesky factorisation in float64 for the normal equations of the concept fits (a few
 * hundred unknowns at most; the large SPD solves go through the BLAS kernels' `spdSolve`).
 */

/** Lower-triangular Cholesky factor grown one row at a time (row i holds i + 1 values). */
export class GrowingCholesky {
  readonly rows: Float64Array[] = [];

  /** L x = c (forward substitution) over the current rows. */
  forward(c: ArrayLike<number>): Float64Array {
    const k = this.rows.length;
    const x = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const li = this.rows[i];
      let s = c[i];
      for (let t = 0; t < i; t++) s -= li[t] * x[t];
      x[i] = s / li[i];
    }
    return x;
  }

  /**
   * Appends the row of a new last coordinate with coupling `c` (its entries against the current
   * coordinates) and diagonal `h`. Without `floor` a pivot h - |L^-1 c|^2 at or below 1e-12 |h| means
   * the coordinate is dependent on the others: nothing is appended and the answer is false. With
   * `floor` > 0 such a pivot is raised to `floor` instead (a regularised factor that always grows).
   */
  append(c: ArrayLike<number>, h: number, floor?: number): boolean {
    const l = this.forward(c);
    let ss = 0;
    for (const v of l) ss += v * v;
    let pivot = h - ss;
    if (floor !== undefined && floor > 0) pivot = Math.max(pivot, floor);
    else if (!(pivot > 1e-12 * Math.abs(h))) return false;
    const row = new Float64Array(l.length + 1);
    row.set(l);
    row[l.length] = Math.sqrt(pivot);
    this.rows.push(row);
    return true;
  }

  /** Solves (L L^T) x = rhs. */
  solve(rhs: ArrayLike<number>): Float64Array {
    const y = this.forward(rhs);
    const k = y.length;
    for (let i = k - 1; i >= 0; i--) {
      let s = y[i];
      for (let t = i + 1; t < k; t++) s -= this.rows[t][i] * y[t];
      y[i] = s / this.rows[i][i];
    }
    return y;
  }
}

/**
 * Solves A x = b for a symmetric positive-definite `a` (n x n, row-major; only its lower triangle is
 * read). With `floor` > 0 every pivot is raised to at least `floor` (see {@link GrowingCholesky.append});
 * without it a singular or indefinite `a` throws a RangeError naming `who` and the coordinate.
 */
export function spdSolveSmall(
  a: ArrayLike<number>,
  n: number,
  b: ArrayLike<number>,
  who: string,
  floor?: number,
): Float64Array {
  if (a.length !== n * n || b.length !== n)
    throw new RangeError(
      `${who}: a ${n} x ${n} system needs ${n * n} matrix and ${n} right-hand entries, got ${a.length} and ${b.length}`,
    );
  const chol = new GrowingCholesky();
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) c[j] = a[i * n + j];
    if (!chol.append(c.subarray(0, i), a[i * n + i], floor))
      throw new RangeError(`${who}: the matrix is not positive definite (pivot ${i} of ${n})`);
  }
  return chol.solve(b);
}
