import { DataFormatError } from "./errors.js";

/**
 * Parses a non-negative integer id written in decimal digits (surrounding spaces allowed).
 * Throws a {@link DataFormatError} naming file, line, field and the text otherwise.
 */
export function parseIntId(text: string, file: string, line: number, field: string): number {
  let s = 0;
  let e = text.length;
  while (s < e && text.charCodeAt(s) === 32) s++;
  while (e > s && text.charCodeAt(e - 1) === 32) e--;
  if (e === s || e - s > 15)
    throw new DataFormatError({ file, line, field }, "expected a non-negative integer id", text);
  let v = 0;
  for (let k = s; k < e; k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9)
      throw new DataFormatError({ file, line, field }, "expected a non-negative integer id", text);
    v = v * 10 + d;
  }
  return v;
}

/** Parses a finite decimal number (e.g. a rating or a play count); throws naming the location otherwise. */
export function parseNumber(text: string, file: string, line: number, field: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || (v === 0 && !/\d/.test(text)))
    throw new DataFormatError({ file, line, field }, "expected a number", text);
  return v;
}

/**
 * Parses a timestamp into seconds since the epoch: a plain number (taken as seconds) or an ISO-8601
 * date/time string. Throws naming the location otherwise.
 */
export function parseTimestamp(text: string, file: string, line: number, field: string): number {
  const t = text.trim();
  if (t.length === 0)
    throw new DataFormatError({ file, line, field }, "expected a timestamp (seconds or ISO date)", text);
  const v = Number(t);
  if (Number.isFinite(v)) return v;
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw new DataFormatError({ file, line, field }, "expected a timestamp (seconds or ISO date)", text);
}

/**
 * Splits one line on `delim`, honouring RFC 4180 double quotes ("a, b" and "" for a literal quote)
 * when the line contains a quote character. Returns null when a quoted field is still open at the
 * end of the line (the record continues on the next line).
 */
export function splitDelimited(line: string, delim: string): string[] | null {
  if (line.indexOf('"') < 0) return line.split(delim);
  const out: string[] = [];
  const n = line.length;
  let p = 0;
  for (;;) {
    if (line.charCodeAt(p) === 34) {
      // quoted field
      let value = "";
      let q = p + 1;
      for (;;) {
        const close = line.indexOf('"', q);
        if (close < 0) return null;
        value += line.slice(q, close);
        if (line.charCodeAt(close + 1) === 34) {
          value += '"';
          q = close + 2;
          continue;
        }
        p = close + 1;
        break;
      }
      // tolerate stray text between the closing quote and the delimiter
      const next = line.indexOf(delim, p);
      const end = next < 0 ? n : next;
      value += line.slice(p, end);
      out.push(value);
      if (next < 0) return out;
      p = next + delim.length;
    } else {
      const next = line.indexOf(delim, p);
      if (next < 0) {
        out.push(line.slice(p));
        return out;
      }
      out.push(line.slice(p, next));
      p = next + delim.length;
    }
  }
}

/**
 * Joins physical lines into logical delimited records, so quoted fields may span lines. `push`
 * returns the fields of a complete record (with the line number where it started) or null while a
 * quoted field is open; `finish` throws if the file ended inside a quoted field.
 */
export class RecordAssembler {
  private pending: string | null = null;
  private pendingLine = 0;

  /** `delim` separates fields; `file` names the source in error messages. */
  constructor(
    private readonly delim: string,
    private readonly file: string,
  ) {}

  /** Line number where the record returned by the last successful `push` started. */
  startLine = 0;

  /** Whether a quoted field is open (the next line continues the current record). */
  get hasPending(): boolean {
    return this.pending !== null;
  }

  /** Adds one physical line; returns the record's fields when it is complete. */
  push(line: string, lineNo: number): string[] | null {
    const text = this.pending === null ? line : `${this.pending}\n${line}`;
    const start = this.pending === null ? lineNo : this.pendingLine;
    const fields = splitDelimited(text, this.delim);
    if (fields === null) {
      if (this.pending === null) this.pendingLine = lineNo;
      this.pending = text;
      if (text.length > 1 << 20) {
        throw new DataFormatError(
          { file: this.file, line: start },
          "unterminated quoted field (over 1 MiB)",
          text.slice(0, 80),
        );
      }
      return null;
    }
    this.pending = null;
    this.startLine = start;
    return fields;
  }

  /** Call at end of file. */
  finish(): void {
    if (this.pending !== null) {
      throw new DataFormatError(
        { file: this.file, line: this.pendingLine },
        "unterminated quoted field at end of file (truncated file?)",
        this.pending.slice(0, 80),
      );
    }
  }
}

/**
 * Throws unless `fields` has at least `min` and at most `max` entries (default: no upper bound, for
 * layouts that document optional extra columns). `what` describes the expected layout, e.g.
 * `4 tab-separated fields (user, item, rating, timestamp)`. Too many fields is an error naming the
 * first extra value: two records joined on one line must not load as one.
 */
export function requireFields(
  fields: string[],
  min: number,
  file: string,
  line: number,
  what: string,
  raw: string,
  max = Infinity,
): void {
  if (fields.length < min) {
    throw new DataFormatError(
      { file, line },
      `expected ${what}, found ${fields.length} field${fields.length === 1 ? "" : "s"} (wrong separator or truncated line?)`,
      raw,
    );
  }
  if (fields.length > max) throw extraFieldsError(fields, max, file, line, what, raw);
}

/** The error for a record with more than `max` fields, naming the first extra value. */
export function extraFieldsError(
  fields: readonly string[],
  max: number,
  file: string,
  line: number,
  what: string,
  raw: string,
): DataFormatError {
  const extra = fields[max].length > 40 ? `${fields[max].slice(0, 40)}…` : fields[max];
  return new DataFormatError(
    { file, line },
    `expected ${what}, found ${fields.length} fields: extra value ${JSON.stringify(extra)} in field ${max + 1} ` +
      `(two records joined on one line, or a stray separator?)`,
    raw,
  );
}

/**
 * Fast path for purely numeric records: splits `line` on `delim` and parses each field as a plain
 * unsigned decimal (digits with an optional fraction) into `out`, without allocating. Returns the
 * number of fields, or -1 as soon as a field is anything else (sign, exponent, spaces, quotes,
 * empty), in which case the caller re-reads the line with the checked parsers for an exact error.
 * `fractional[k]` is set to 1 when field k had a decimal point (so "10.0" is not taken for an id).
 */
export function parseNumericLine(
  line: string,
  delim: string,
  out: Float64Array,
  fractional: Uint8Array,
): number {
  const n = line.length;
  const d0 = delim.charCodeAt(0);
  const dl = delim.length;
  let field = 0;
  let p = 0;
  for (;;) {
    let v = 0;
    let digits = 0;
    let c = p < n ? line.charCodeAt(p) : -1;
    while (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      digits++;
      c = ++p < n ? line.charCodeAt(p) : -1;
    }
    let frac = 0;
    if (c === 46) {
      frac = 1;
      let scale = 1;
      c = ++p < n ? line.charCodeAt(p) : -1;
      while (c >= 48 && c <= 57) {
        v = v * 10 + (c - 48);
        scale *= 10;
        digits++;
        c = ++p < n ? line.charCodeAt(p) : -1;
      }
      v /= scale;
    }
    if (digits === 0 || digits > 15) return -1;
    if (field < out.length) {
      out[field] = v;
      fractional[field] = frac;
    }
    field++;
    if (p >= n) return field;
    if (c !== d0 || (dl > 1 && !line.startsWith(delim, p))) return -1;
    p += dl;
  }
}
