/** Hyperparameter checks; every error names where it happened, the field and the offending value. */

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function number(where: string, field: string, v: unknown): number {
  if (typeof v !== "number" || Number.isNaN(v))
    throw new RangeError(`${where}: ${field} must be a number, got ${show(v)}`);
  return v;
}

/** Throws unless `v` is a finite number > 0. */
export function checkPositive(where: string, field: string, v: unknown): void {
  const x = number(where, field, v);
  if (!(x > 0 && Number.isFinite(x)))
    throw new RangeError(`${where}: ${field} must be a finite number > 0, got ${show(v)}`);
}

/** Throws unless `v` is a finite number >= 0. */
export function checkNonNegative(where: string, field: string, v: unknown): void {
  const x = number(where, field, v);
  if (!(x >= 0 && Number.isFinite(x)))
    throw new RangeError(`${where}: ${field} must be a finite number >= 0, got ${show(v)}`);
}

/** Throws unless 0 <= v < 1. */
export function checkUnitInterval(where: string, field: string, v: unknown): void {
  const x = number(where, field, v);
  if (!(x >= 0 && x < 1)) throw new RangeError(`${where}: ${field} must be in [0, 1), got ${show(v)}`);
}

/** Throws unless `v` is a boolean. */
export function checkBoolean(where: string, field: string, v: unknown): void {
  if (typeof v !== "boolean")
    throw new RangeError(`${where}: ${field} must be true or false, got ${show(v)}`);
}

/** Throws unless `v` is an integer >= 0. */
export function checkCount(where: string, field: string, v: unknown): void {
  const x = number(where, field, v);
  if (!(Number.isInteger(x) && x >= 0))
    throw new RangeError(`${where}: ${field} must be an integer >= 0, got ${show(v)}`);
}
