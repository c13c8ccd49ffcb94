/** Position and value of the first non-finite entry of `data`, or undefined when all are finite. */
export function firstNonFinite(data: ArrayLike<number>): { index: number; value: number } | undefined {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is 0 for finite numbers and NaN for NaN and +-Infinity: one comparison per value.
    if (v - v !== 0) return { index: i, value: v };
  }
  return undefined;
}

/**
 * Throws unless every value of tensor `name` (in file `source`, shape `shape`) is finite; the
 * message names the file, the tensor, the position (row/column for 2-D) and the value, and says
 * that the artifact must be rebuilt (NaN weights make every score NaN and every steering a no-op).
 */
export function assertFiniteTensor(
  source: string,
  name: string,
  data: ArrayLike<number>,
  shape: readonly number[] = [data.length],
): void {
  const bad = firstNonFinite(data);
  if (!bad) return;
  let count = 0;
  for (let i = bad.index; i < data.length; i++) if (data[i] - data[i] !== 0) count++;
  const at =
    shape.length === 2 && shape[1] > 0
      ? `row ${Math.floor(bad.index / shape[1])}, column ${bad.index % shape[1]}`
      : `index ${bad.index}`;
  throw new Error(
    `${source}: tensor "${name}" holds ${count} non-finite value(s) (first at ${at}: ${bad.value}); ` +
      `the file is damaged or was written by a diverged training; retrain it`,
  );
}
