import { InvalidArgumentError } from "commander";

/** Commander parser for a finite number. */
export function numberArg(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}"`);
  return n;
}

/** Commander parser for a non-negative integer. */
export function countArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`expected a non-negative integer, got "${v}"`);
  return n;
}

/** Commander parser for a positive integer. */
export function positiveIntArg(v: string): number {
  const n = countArg(v);
  if (n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
}

/** Commander parser factory for an integer >= `min`; errors name `flag`. */
export function intAtLeastArg(flag: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || n < min)
      throw new InvalidArgumentError(`${flag} must be an integer >= ${min}, got "${v}"`);
    return n;
  };
}

/** Commander parser factory for a number in [0, 1]; errors name `flag`. */
export function rateArg(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === "" || !(n >= 0 && n <= 1))
      throw new InvalidArgumentError(`${flag} must be a number in [0, 1], got "${v}"`);
    return n;
  };
}

/** Parses a TCP port option (0 = any free port). */
export function portArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`--port must be an integer in [0, 65535], got "${v}"`);
  return n;
}

/** Commander parser factory for one of a fixed set of strings. */
export function choiceArg<T extends string>(choices: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(choices as readonly string[]).includes(v))
      throw new InvalidArgumentError(`expected one of ${choices.join(", ")}, got "${v}"`);
    return v as T;
  };
}

/** Commander parser for a comma-separated list of values parsed by `each`. */
export function listArg<T>(each: (v: string) => T): (v: string) => T[] {
  return (v) => {
    const parts = v.split(",").map((s) => s.trim());
    if (parts.some((p) => p === ""))
      throw new InvalidArgumentError(`expected a comma-separated list, got "${v}"`);
    return parts.map(each);
  };
}

/** Commander collector for a repeatable option. */
export function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}
