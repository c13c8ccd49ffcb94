import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { DataFileMissingError } from "./errors.js";
import { parseNumericLine, RecordAssembler, splitDelimited } from "./fields.js";
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
