import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, expect } from "vitest";
import { DataFileMissingError, DataFormatError } from "../loaders/errors.js";

/**
 * Property-based fuzzing helpers shared by the `*.fuzz.test.ts` files: seeded run settings, byte-
 * and line-level mutations of a valid file, an independent line/record model of the mutated text
 * and the "documented error" assertion. Runs are reproducible: the seed is fixed (FUZZ_SEED
 * overrides it) and FUZZ_RUNS sets the number of cases per property for longer local runs.
 */

/** Seed of every fuzz property (env FUZZ_SEED overrides it). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 1312);

/** Cases per property: `base`, or env FUZZ_RUNS when set. */
export function fuzzRuns(base: number): number {
  const env = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(env) && env > 0 ? env : base;
}

/** fast-check settings: fixed seed, `base` runs (or FUZZ_RUNS), stop at the first failure. */
export function fuzzParams(base: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: fuzzRuns(base), endOnFailure: true };
}

/** Vitest timeout for a fuzz property of `base` runs (scaled with FUZZ_RUNS). */
export function fuzzTimeout(base: number): number {
  return 60_000 * Math.max(1, Math.ceil(fuzzRuns(base) / base));
}

/** Largest time one case may take (a hang or a pathological slowdown fails the property). */
export const CASE_MS = 2_000;

/**
 * Awaits `p`, failing when it takes longer than {@link CASE_MS} (an error the loader's documented
 * errors never match, so the property fails with this message).
 */
export async function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const start = performance.now();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${CASE_MS} ms (hang?)`)), CASE_MS);
  });
  const settled = await Promise.race([
    p.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
  const ms = performance.now() - start;
  if (ms > CASE_MS) throw new Error(`${what}: took ${ms.toFixed(0)} ms (over ${CASE_MS} ms)`);
  if (!settled.ok) throw settled.error;
  return settled.value;
}

/** One edit of a file; positions are taken modulo the file (or line) count when applied. */
export type Mutation =
  | { kind: "flip"; at: number; byte: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; len: number }
  | { kind: "dupLine"; line: number }
  | { kind: "dropLine"; line: number }
  | { kind: "swapLines"; a: number; b: number }
  | { kind: "blankLine"; line: number; text: string }
  | { kind: "field"; line: number; field: number; value: string }
  | { kind: "columns"; at: number; count: number }
  | { kind: "bom" }
  | { kind: "crlf" };

/** Bytes a flip writes: structure characters, digits, high latin-1, NUL, or anything. */
const BYTES = fc.oneof(
  fc.constantFrom(...Buffer.from("0123456789\t,;|: \n\r\"'.-+eE:[]{}xN")),
  fc.constantFrom(0x00, 0xa0, 0xc3, 0xe9, 0xef, 0xfe, 0xff, 0x80),
  fc.integer({ min: 0, max: 255 }),
);

/** Field values: empty cells, quotes, special numbers, huge and long numbers, odd whitespace. */
export const FIELD_VALUES = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "-1",
    "-0",
    "0",
    "1e309",
    "1e3",
    "99999999999999999999",
    "123456789012345",
    "1234567890123456",
    "0x1F",
    '"',
    '""',
    '"7"',
    '"a,b"',
    "\u00a0",
    "é",
    "1.5",
    "5.",
    ".5",
    "+3",
    "  7  ",
    "abc",
    "null",
  ),
  fc.nat({ max: 100_000 }).map(String),
  fc.string({ maxLength: 6 }),
);

/** Snippets an insertion adds. */
const INSERTS = fc.oneof(
  fc.constantFrom("\n", "\r\n", "\r", '"', "\t", ",", "::", "|", " ", "\ufeff", "\u0000", "NaN", "-", "1"),
  FIELD_VALUES,
);

/** One random mutation (byte, line, field or column level). */
export function mutationArb(): fc.Arbitrary<Mutation> {
  const pos = fc.nat({ max: 1 << 20 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("flip" as const), at: pos, byte: BYTES }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: pos }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("insert" as const), at: pos, text: INSERTS }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("delete" as const),
        at: pos,
        len: fc.integer({ min: 1, max: 8 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("dupLine" as const), line: pos }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("dropLine" as const), line: pos }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("swapLines" as const), a: pos, b: pos }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("blankLine" as const),
        line: pos,
        text: fc.constantFrom("", " ", "\t", "\r"),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("field" as const),
        line: pos,
        field: fc.nat({ max: 7 }),
        value: FIELD_VALUES,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("columns" as const),
        at: fc.nat({ max: 4 }),
        count: fc.integer({ min: 1, max: 40 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "bom" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "crlf" as const }) },
  );
}

/** One to `max` mutations. */
export function mutationsArb(max = 3): fc.Arbitrary<Mutation[]> {
  return fc.array(mutationArb(), { minLength: 1, maxLength: max });
}

function splitLines(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let p = buf.indexOf(10); p >= 0; p = buf.indexOf(10, start)) {
    out.push(buf.subarray(start, p));
    start = p + 1;
  }
  out.push(buf.subarray(start));
  return out;
}

const NL = Buffer.from("\n");

function joinLines(lines: Buffer[]): Buffer {
  return Buffer.concat(lines.flatMap((l, k) => (k === 0 ? [l] : [NL, l])));
}

/** Applies one mutation to file bytes; `delim` separates fields for "field" and "columns" edits. */
export function applyMutation(input: Buffer, m: Mutation, delim: string): Buffer {
  const n = input.length;
  switch (m.kind) {
    case "flip": {
      if (n === 0) return Buffer.from([m.byte]);
      const out = Buffer.from(input);
      out[m.at % n] = m.byte;
      return out;
    }
    case "truncate":
      return input.subarray(0, n === 0 ? 0 : m.at % n);
    case "insert": {
      const at = m.at % (n + 1);
      return Buffer.concat([input.subarray(0, at), Buffer.from(m.text, "utf8"), input.subarray(at)]);
    }
    case "delete": {
      if (n === 0) return input;
      const at = m.at % n;
      return Buffer.concat([input.subarray(0, at), input.subarray(at + m.len)]);
    }
    case "bom":
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), input]);
    case "crlf":
      return Buffer.from(input.toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");
    default:
      return joinLines(editLines(splitLines(input), m, delim));
  }
}

function editLines(lines: Buffer[], m: Mutation, delim: string): Buffer[] {
  const out = [...lines];
  const k = (x: number): number => x % out.length;
  switch (m.kind) {
    case "dupLine":
      out.splice(k(m.line), 0, out[k(m.line)]);
      break;
    case "dropLine":
      out.splice(k(m.line), 1);
      break;
    case "swapLines": {
      const [a, b] = [k(m.a), k(m.b)];
      [out[a], out[b]] = [out[b], out[a]];
      break;
    }
    case "blankLine":
      out.splice(k(m.line), 0, Buffer.from(m.text));
      break;
    case "field": {
      const i = k(m.line);
      const fields = out[i].toString("latin1").split(delim);
      fields[m.field % fields.length] = m.value;
      out[i] = Buffer.from(fields.join(delim), "utf8");
      break;
    }
    case "columns":
      // insert `count` columns at field position `at` on every non-empty line (names on line 1)
      for (let i = 0; i < out.length; i++) {
        if (out[i].length === 0) continue;
        const fields = out[i].toString("latin1").split(delim);
        const extra = Array.from({ length: m.count }, (_, j) => (i === 0 ? `extra${j}` : "0"));
        fields.splice(Math.min(m.at, fields.length), 0, ...extra);
        out[i] = Buffer.from(fields.join(delim), "latin1");
      }
      break;
    default:
      break;
  }
  return out;
}

/** Applies mutations in order. */
export function mutate(input: Buffer | string, ms: Mutation[], delim: string): Buffer {
  let b = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  for (const m of ms) b = applyMutation(b, m, delim);
  return b;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const latin1 = new TextDecoder("latin1");

/**
 * The test's own view of a text file's lines: UTF-8 BOM dropped, split on "\n", one trailing "\r"
 * removed, each line UTF-8 if valid else latin-1. `null` when the file holds NUL bytes or starts
 * with a UTF-16 mark (no reader may accept those).
 */
export function modelLines(bytes: Buffer): string[] | null {
  let b = bytes;
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) return null;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
  if (b.includes(0)) return null;
  const lines = splitLines(b);
  if (lines.length && lines[lines.length - 1].length === 0) lines.pop();
  return lines.map((l) => {
    const raw = l[l.length - 1] === 13 ? l.subarray(0, l.length - 1) : l;
    try {
      return utf8.decode(raw);
    } catch {
      return latin1.decode(raw);
    }
  });
}

/** A record of the model: its fields and 1-based physical line. */
export interface ModelRecord {
  readonly fields: string[];
  readonly line: number;
}

/** Non-blank lines split on `delim` (no quoting). */
export function plainRecords(lines: string[], delim: string): ModelRecord[] {
  const out: ModelRecord[] = [];
  lines.forEach((l, k) => {
    if (l.trim() !== "") out.push({ fields: l.split(delim), line: k + 1 });
  });
  return out;
}

/**
 * RFC 4180 records by a character state machine (independent of the readers' line assembler):
 * quoted fields may hold delimiters, `""` and newlines; text after a closing quote is kept. Records
 * that are one blank field are dropped. Returns null when the text ends inside a quoted field.
 */
export function quotedRecords(lines: string[], delim: string): ModelRecord[] | null {
  const text = lines.join("\n");
  const out: ModelRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let start = 1;
  let inQuotes = false;
  let atFieldStart = true;
  const endRecord = (): void => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0].trim() === "")) out.push({ fields, line: start });
    fields = [];
    field = "";
    atFieldStart = true;
  };
  for (let p = 0; p < text.length; p++) {
    const c = text[p];
    if (inQuotes) {
      if (c === '"') {
        if (text[p + 1] === '"') {
          field += '"';
          p++;
        } else inQuotes = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && atFieldStart) {
      inQuotes = true;
      atFieldStart = false;
      continue;
    }
    if (c === "\n") {
      endRecord();
      line++;
      start = line;
      continue;
    }
    if (text.startsWith(delim, p)) {
      fields.push(field);
      field = "";
      atFieldStart = true;
      p += delim.length - 1;
      continue;
    }
    field += c;
    atFieldStart = false;
  }
  if (inQuotes) return null;
  endRecord();
  return out;
}

/**
 * Asserts what a successful load implies about the records of a file: each has `min` to `max`
 * fields (a record with more is an error: two records joined on one line must not load as one).
 */
export function expectWidths(records: readonly ModelRecord[], min: number, max = min): void {
  for (const r of records) {
    const what = `line ${r.line} (${JSON.stringify(r.fields)}) was accepted`;
    expect(r.fields.length, what).toBeGreaterThanOrEqual(min);
    expect(r.fields.length, what).toBeLessThanOrEqual(max);
  }
}

/** Asserts that a successfully loaded interaction file had at least one interaction record. */
export function expectSomeInteractions(records: readonly ModelRecord[]): void {
  expect(records.length, "an interaction file without interactions was accepted").toBeGreaterThan(0);
}

/** The id a reader interns for a decimal id field: digits with optional spaces, leading zeros dropped. */
export function canonicalId(s: string): string | null {
  const t = s.replace(/^ +| +$/g, "");
  return /^\d{1,15}$/.test(t) ? String(Number(t)) : null;
}

/** Interaction tuples (user id, item id, value, time) a loader returned, in order. */
export function tuples(x: {
  userIds: string[];
  itemIds: string[];
  user: Int32Array;
  item: Int32Array;
  value: Float32Array;
  time: Float64Array | null;
}): [string, string, number, number | null][] {
  return Array.from(x.user, (u, t) => [
    x.userIds[u],
    x.itemIds[x.item[t]],
    x.value[t],
    x.time ? x.time[t] : null,
  ]);
}

/**
 * Asserts that `err` is a documented loader error: a DataFileMissingError, or a DataFormatError
 * naming one of `files` (by full path) with a line number within `lineCount + 1` (0: whole file)
 * and, when it names a field, a message that says which.
 */
export function expectDocumentedError(err: unknown, files: readonly string[], lineCount: number): void {
  if (err instanceof DataFileMissingError) return;
  if (!(err instanceof DataFormatError)) {
    throw new Error(
      `undocumented error ${String((err as Error)?.name)}: ${String((err as Error)?.stack ?? err)}`,
    );
  }
  expect(files, `error names an unknown file: ${err.message}`).toContain(err.file);
  expect(err.message.startsWith(err.file), err.message).toBe(true);
  expect(err.line, err.message).toBeGreaterThanOrEqual(0);
  expect(err.line, err.message).toBeLessThanOrEqual(lineCount + 1);
  if (err.line > 0) expect(err.message).toContain(` line ${err.line}`);
  if (err.field !== undefined) expect(err.message).toContain(`field "${err.field}"`);
}

/** A scratch folder rewritten for every case (removed after the test file). */
export class Scratch {
  readonly root = mkdtempSync(join(tmpdir(), "reclens-fuzz-"));
  private n = 0;

  constructor() {
    afterAll(() => rmSync(this.root, { recursive: true, force: true }));
  }

  /** A fresh folder `name` holding `files`; the previous case's folder is removed. */
  write(files: Record<string, Buffer | string>, name = "data"): string {
    const prev = join(this.root, `${this.n}`);
    rmSync(prev, { recursive: true, force: true });
    this.n++;
    const dir = join(this.root, `${this.n}`, name);
    mkdirSync(dir, { recursive: true });
    for (const [f, content] of Object.entries(files)) writeFileSync(join(dir, f), content);
    return dir;
  }
}
