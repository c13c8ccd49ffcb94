import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { DataFileMissingError, DataFormatError } from "./errors.js";
import {
  parseIntId,
  parseNumber,
  parseNumericLine,
  RecordAssembler,
  requireFields,
  splitDelimited,
} from "./fields.js";
import type { InteractionBuffer } from "./raw.js";
import type { SourceFiles } from "./spec.js";
import { forEachLine, type TextEncoding } from "./text-lines.js";

/** How to cut lines of a delimited file into fields. */
export interface RecordFormat {
  /** Field separator ("\t", ",", "|", "::", ...). */
  delim: string;
  /** Honour double quotes (CSV); records may then span lines. */
  quoted?: boolean;
  encoding?: TextEncoding;
}

/**
 * Streams a delimited text file, calling `onRecord(fields, lineNo, rawText)` for every non-blank
 * record. Resolves to the number of records.
 */
export async function readRecords(
  path: string,
  format: RecordFormat,
  onRecord: (fields: string[], line: number, raw: string) => void,
): Promise<number> {
  let records = 0;
  const { delim } = format;
  if (format.quoted) {
    const asm = new RecordAssembler(delim, path);
    await forEachLine(
      path,
      (line, lineNo) => {
        if (!asm.hasPending) {
          if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === "")) return;
          if (line.indexOf('"') < 0) {
            records++;
            onRecord(line.split(delim), lineNo, line);
            return;
          }
        }
        const fields = asm.push(line, lineNo);
        if (fields === null) return;
        if (fields.length === 1 && fields[0].trim() === "") return;
        records++;
        onRecord(fields, asm.startLine, line);
      },
      { encoding: format.encoding },
    );
    asm.finish();
  } else {
    await forEachLine(
      path,
      (line, lineNo) => {
        if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === "")) return;
        records++;
        onRecord(line.split(delim), lineNo, line);
      },
      { encoding: format.encoding },
    );
  }
  return records;
}

/** Parsed numeric fields of one line: values, whether each had a fraction, and how many there were. */
export interface NumericFields {
  readonly values: Float64Array;
  readonly fractional: Uint8Array;
  count: number;
}

/** Whether numeric field k holds a non-negative integer id (digits only). */
export function isIdField(f: NumericFields, k: number): boolean {
  return k < f.count && f.fractional[k] === 0;
}

/**
 * Streams a file of mostly numeric records (ratings, play counts). Each line whose fields are all
 * plain decimals goes to `onNumbers(fields, lineNo)`, parsed without allocation; if that returns
 * false, or the line has other text (a header, a sign, quotes, a bad value), the split fields go to
 * `onFields(fields, lineNo, raw)`, which parses them with the checked parsers (and so reports exact
 * errors). Blank lines are skipped. Resolves to the number of records.
 */
export async function readNumericRecords(
  path: string,
  format: RecordFormat,
  onNumbers: (fields: NumericFields, line: number) => boolean,
  onFields: (fields: string[], line: number, raw: string) => void,
): Promise<number> {
  let records = 0;
  const { delim } = format;
  const nf: NumericFields = { values: new Float64Array(32), fractional: new Uint8Array(32), count: 0 };
  await forEachLine(
    path,
    (line, lineNo) => {
      if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === "")) return;
      records++;
      nf.count = parseNumericLine(line, delim, nf.values, nf.fractional);
      if (nf.count > 0 && onNumbers(nf, lineNo)) return;
      const fields = (format.quoted ? splitDelimited(line, delim) : null) ?? line.split(delim);
      onFields(fields, lineNo, line);
    },
    { encoding: format.encoding },
  );
  return records;
}

/** How an interaction file's leading columns are named in error messages, and how it is laid out. */
export interface InteractionFile {
  /** Names of the user id, item id and value columns, then the timestamp column if there is one. */
  columns: readonly [string, string, string] | readonly [string, string, string, string];
  /** How the delimiter is described in errors, e.g. "tab-separated". */
  delimName: string;
  /** Records to drop before parsing (a header line), given the split fields and line number. */
  skip?: (fields: string[], line: number) => boolean;
}

/**
 * Streams a file whose records are user id, item id, value and (when `layout.columns` names one) a
 * timestamp into `buf`, interning the integer ids; the time is 0 without a timestamp column. Bad
 * records, records with more fields than the columns (e.g. two lines joined) and a file without
 * any interaction throw DataFormatError naming the file (and the line and column).
 */
export async function readInteractionFile(
  path: string,
  format: RecordFormat,
  layout: InteractionFile,
  buf: InteractionBuffer,
): Promise<void> {
  const { columns, skip } = layout;
  const width = columns.length;
  const timed = width === 4;
  const expected = `${width} ${layout.delimName} fields (${columns.join(", ")})`;
  const before = buf.length;
  await readNumericRecords(
    path,
    format,
    (v) => {
      if (v.count !== width || !isIdField(v, 0) || !isIdField(v, 1)) return false;
      buf.push(
        buf.users.intern(v.values[0]),
        buf.items.intern(v.values[1]),
        v.values[2],
        timed ? v.values[3] : 0,
      );
      return true;
    },
    (f, line, raw) => {
      if (skip?.(f, line)) return;
      requireFields(f, width, path, line, expected, raw, width);
      const u = parseIntId(f[0], path, line, columns[0]);
      const i = parseIntId(f[1], path, line, columns[1]);
      const r = parseNumber(f[2], path, line, columns[2]);
      const t = timed ? parseNumber(f[3], path, line, columns[3] as string) : 0;
      buf.push(buf.users.intern(u), buf.items.intern(i), r, t);
    },
  );
  requireInteractions(path, buf.length - before);
}

/** Throws a DataFormatError naming `file` when it yielded no interaction (empty, blank or header only). */
export function requireInteractions(file: string, count: number): void {
  if (count === 0)
    throw new DataFormatError(
      { file, line: 0 },
      "no interactions: the file is empty or holds only blank lines or a header",
    );
}

/** File names in a directory (empty when it does not exist). */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Whether `path` is an existing directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Resolves `required` and `optional` names inside `dir` into a {@link SourceFiles}. */
export function sourceFiles(dir: string, required: string[], optional: string[]): SourceFiles {
  const read: string[] = [];
  const missing: string[] = [];
  for (const f of required) (existsSync(join(dir, f)) ? read : missing).push(f);
  for (const f of optional) if (existsSync(join(dir, f))) read.push(f);
  return { read: read.map((f) => join(dir, f)), missing };
}

/** Throws a {@link DataFileMissingError} when required files are absent (unless only metadata is wanted). */
export function assertPresent(
  format: string,
  dir: string,
  files: SourceFiles,
  skipInteractions: boolean | undefined,
): void {
  if (files.missing.length && !skipInteractions) {
    throw new DataFileMissingError(format, dir, files.missing, listDir(dir));
  }
}

/** The path of `name` in `files.read`, if it is there. */
export function pick(files: SourceFiles, name: string): string | undefined {
  return files.read.find((p) => basename(p) === name);
}
