import { BadInput, NotFound } from "../../errors.js";

/** Where a bad value was found: file, 1-based line number (0 when not line-specific) and field name. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly field?: string;
}

/**
 * Malformed input data. The message always names the file, the line, the field and the offending
 * value, e.g. `ratings.csv line 17, field "rating": expected a number, got "four"`. A BadInput.
 */
export class DataFormatError extends BadInput {
  readonly file: string;
  readonly line: number;
  override readonly field: string | undefined;
  readonly value: string | undefined;

  /** `problem` says what was expected; `value` is the raw text that was found (if any). */
  constructor(loc: SourceLocation, problem: string, value?: string) {
    const where = `${loc.file}${loc.line > 0 ? ` line ${loc.line}` : ""}${loc.field !== undefined ? `, field "${loc.field}"` : ""}`;
    const got = value === undefined ? "" : `, got ${JSON.stringify(truncate(value, 120))}`;
    super(`${where}: ${problem}${got}`);
    this.name = "DataFormatError";
    this.file = loc.file;
    this.line = loc.line;
    this.field = loc.field;
    this.value = value;
  }
}

/** A file a format requires is absent (NotFound); the message lists what the directory does contain. */
export class DataFileMissingError extends NotFound {
  readonly dir: string;
  readonly missing: string[];

  /** `found` lists the files present in `dir`, for the message. */
  constructor(format: string, dir: string, missing: string[], found: string[]) {
    super(
      `${format} at ${dir}: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing ` +
        `(found: ${found.length ? found.join(", ") : "nothing"}); interactions cannot be loaded`,
    );
    this.name = "DataFileMissingError";
    this.dir = dir;
    this.missing = missing;
  }
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n)}…`;
}
