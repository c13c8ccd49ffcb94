/** Error for a bad config field, naming the source (file or API), the field and the value. */
export class SaeConfigError extends Error {
  /** `source`: where the config came from; `field`: its key; `problem`: what is wrong. */
  constructor(
    readonly source: string,
    readonly field: string,
    readonly problem: string,
    readonly value: unknown,
  ) {
    super(`${source}: field "${field}" ${problem}, got ${JSON.stringify(value) ?? String(value)}`);
    this.name = "SaeConfigError";
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInt(
  source: string,
  field: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new SaeConfigError(source, field, `must be an integer ${range}`, value);
  }
  return value;
}

/** Throws unless `value` is a finite number with lo < value < hi (open) or lo <= value (closed lo). */
export function checkNumber(
  source: string,
  field: string,
  value: unknown,
  lo: number,
  hi: number,
  openLo = true,
): number {
  const okLo = typeof value === "number" && (openLo ? value > lo : value >= lo);
  if (typeof value !== "number" || !Number.isFinite(value) || !okLo || !(value < hi)) {
    throw new SaeConfigError(source, field, `must be a number in ${openLo ? "(" : "["}${lo}, ${hi})`, value);
  }
  return value;
}

/** Throws unless `value` is one of `options`. */
export function checkEnum<T extends string>(
  source: string,
  field: string,
  value: unknown,
  options: readonly T[],
): T {
  if (typeof value !== "string" || !(options as readonly string[]).includes(value)) {
    throw new SaeConfigError(
      source,
      field,
      `must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}`,
      value,
    );
  }
  return value as T;
}
