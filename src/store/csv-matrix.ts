import { readFileSync } from "node:fs";
import { Matrix } from "../tensor/matrix.js";

/** Options of {@link parseCsvMatrix}. */
export interface CsvMatrixOptions {
  /** Field separator; default: detected from the first line (tab, comma, semicolon, else whitespace). */
  readonly delimiter?: string;
  /** Whether the first line names the columns; "auto" (default): it does when a field is not a number. */
  readonly header?: boolean | "auto";
}

/** A numeric CSV as a matrix, plus the column names when the file had a header. */
export interface CsvMatrix {
  readonly matrix: Matrix;
  readonly columns?: string[];
}

function detectDelimiter(line: string): string {
  if (line.includes("\t")) return "\t";
  if (line.includes(",")) return ",";
  if (line.includes(";")) return ";";
  return " ";
}

function splitFields(line: string, delimiter: string): string[] {
  const raw = delimiter === " " ? line.trim().split(/\s+/) : line.split(delimiter);
  return raw.map((f) => {
    const t = f.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
  });
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses numeric rows (one matrix row per non-empty line, the same number of fields on each) with
 * an optional header line. Every error names `source`, the 1-based line and, for a bad value, the
 * 1-based field: `emb.csv:7:3: "abc" is not a finite number`.
 */
export function parseCsvMatrix(text: string, source = "<csv>", opts: CsvMatrixOptions = {}): CsvMatrix {
  const lines = text.split("\n");
  const body: { line: number; fields: string[] }[] = [];
  let delimiter = opts.delimiter;
  let columns: string[] | undefined;
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l].replace(/\r$/, "");
    if (line.trim() === "") continue;
    delimiter ??= detectDelimiter(line);
    const fields = splitFields(line, delimiter);
    if (body.length === 0 && columns === undefined) {
      const isHeader =
        opts.header === "auto" || opts.header === undefined
          ? fields.some((f) => !NUMBER.test(f))
          : opts.header;
      if (isHeader) {
        columns = fields;
        continue;
      }
    }
    body.push({ line: l + 1, fields });
  }
  if (body.length === 0) throw new Error(`${source}: no numeric rows`);
  const cols = columns?.length ?? body[0].fields.length;
  const where = columns ? "the header" : `line ${body[0].line}`;
  const out = new Matrix(body.length, cols);
  body.forEach(({ line, fields }, r) => {
    if (fields.length !== cols)
      throw new Error(`${source}:${line}: ${fields.length} fields, expected ${cols} (as on ${where})`);
    fields.forEach((f, c) => {
      if (f === "") throw new Error(`${source}:${line}:${c + 1}: empty field`);
      const v = Number(f);
      if (!NUMBER.test(f) || !Number.isFinite(v))
        throw new Error(`${source}:${line}:${c + 1}: "${f}" is not a finite number`);
      out.data[r * cols + c] = v;
    });
  });
  return columns ? { matrix: out, columns } : { matrix: out };
}

/** Reads a numeric CSV file (see {@link parseCsvMatrix}). */
export function readCsvMatrix(path: string, opts: CsvMatrixOptions = {}): CsvMatrix {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  return parseCsvMatrix(text.replace(/^\uFEFF/, ""), path, opts);
}
