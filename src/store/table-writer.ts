import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ParquetWriter, fileWriter, type SchemaElement } from "hyparquet-writer";

/** File formats of exported tables. */
export type TableFormat = "parquet" | "csv" | "jsonl";

/** The formats {@link openTableWriter} writes. */
export const TABLE_FORMATS: readonly TableFormat[] = ["parquet", "csv", "jsonl"];

/**
 * A column of an exported table: "string" (UTF-8), "int32", "float32", "json" (an object: a JSON
 * string in Parquet and CSV, an object in JSONL) or "float32[]" (a vector of `width` floats: a
 * Parquet LIST<FLOAT>, `width` columns `<name>_0 ..` in CSV, an array in JSONL).
 */
export interface ColumnSpec {
  readonly name: string;
  readonly type: "string" | "int32" | "float32" | "json" | "float32[]";
  readonly width?: number;
}

/** Column values of one batch, aligned by row. */
export type ColumnValues = readonly unknown[] | Int32Array | Float32Array;

/** Writes one table in batches to a temporary file and renames it into place on `close`. */
export interface TableWriter {
  /** Appends the rows of one batch (every column the same length). */
  write(batch: Readonly<Record<string, ColumnValues>>): void;
  /** Finishes the file, moves it to its path and returns the number of rows written. */
  close(): number;
  /** Removes the temporary file (after an error). */
  abort(): void;
}

let counter = 0;

function tempPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}-${counter++}`);
}

function parquetSchema(columns: readonly ColumnSpec[]): SchemaElement[] {
  const out: SchemaElement[] = [{ name: "root", num_children: columns.length }];
  for (const c of columns) {
    if (c.type === "float32[]")
      out.push(
        { name: c.name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "FLOAT", repetition_type: "REQUIRED" },
      );
    else if (c.type === "int32") out.push({ name: c.name, type: "INT32", repetition_type: "REQUIRED" });
    else if (c.type === "float32") out.push({ name: c.name, type: "FLOAT", repetition_type: "REQUIRED" });
    else
      out.push({
        name: c.name,
        type: "BYTE_ARRAY",
        converted_type: c.type === "json" ? "JSON" : "UTF8",
        repetition_type: c.type === "json" ? "REQUIRED" : "OPTIONAL",
      });
  }
  return out;
}

function csvField(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function batchRows(batch: Readonly<Record<string, ColumnValues>>, columns: readonly ColumnSpec[]): number {
  const n = batch[columns[0].name]?.length ?? 0;
  for (const c of columns) {
    const v = batch[c.name];
    if (!v) throw new Error(`table writer: batch has no column "${c.name}"`);
    if (v.length !== n)
      throw new Error(`table writer: column "${c.name}" has ${v.length} rows, expected ${n}`);
  }
  return n;
}

/** Text formats: each batch is encoded and written at once (memory bounded by the batch). */
function textWriter(
  tmp: string,
  format: "csv" | "jsonl",
  columns: readonly ColumnSpec[],
): { fd: number; write: (b: Readonly<Record<string, ColumnValues>>) => number } {
  const fd = openSync(tmp, "w");
  const put = (s: string): void => {
    const buf = Buffer.from(s, "utf8");
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  };
  if (format === "csv")
    put(
      `${columns
        .flatMap((c) =>
          c.type === "float32[]"
            ? Array.from({ length: c.width ?? 0 }, (_, i) => `${c.name}_${i}`)
            : [c.name],
        )
        .map(csvField)
        .join(",")}\n`,
    );
  const writer = (batch: Readonly<Record<string, ColumnValues>>): number => {
    const n = batchRows(batch, columns);
    const lines: string[] = [];
    for (let r = 0; r < n; r++) {
      if (format === "csv") {
        const fields: string[] = [];
        for (const c of columns) {
          const v = batch[c.name][r];
          if (c.type === "float32[]")
            for (const x of Array.from(v as ArrayLike<number>)) fields.push(String(x));
          else fields.push(csvField(v));
        }
        lines.push(fields.join(","));
      } else {
        const obj: Record<string, unknown> = {};
        for (const c of columns) {
          const v = batch[c.name][r];
          obj[c.name] = c.type === "float32[]" ? Array.from(v as ArrayLike<number>) : v;
        }
        lines.push(JSON.stringify(obj));
      }
    }
    if (lines.length > 0) put(`${lines.join("\n")}\n`);
    return n;
  };
  return { fd, write: writer };
}

/**
 * Opens a table at `path` in `format` with `columns`. Rows go to a temporary file in the same
 * directory batch by batch (Parquet: one or more row groups per batch, through hyparquet-writer);
 * `close` flushes it to disk and renames it over `path`, so readers never see a partial table.
 */
export function openTableWriter(
  path: string,
  format: TableFormat,
  columns: readonly ColumnSpec[],
): TableWriter {
  if (columns.length === 0) throw new Error(`${path}: a table needs at least one column`);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathOf(path);
  let rows = 0;
  let done = false;
  if (format === "parquet") {
    const pq = new ParquetWriter({
      writer: fileWriter(tmp),
      schema: parquetSchema(columns),
      createdBy: "reclens",
    });
    return {
      write(batch) {
        const n = batchRows(batch, columns);
        if (n === 0) return;
        const columnData = columns.map((c) => {
          const v = batch[c.name];
          let data: ColumnValues = v;
          if (c.type === "float32[]")
            data = Array.from(v as readonly ArrayLike<number>[], (x) => Array.from(x));
          else if (c.type === "json") data = Array.from(v as readonly unknown[], (x) => JSON.stringify(x));
          return { name: c.name, data: data as unknown[] };
        });
        pq.write({ columnData, rowGroupSize: Math.max(n, 1) });
        rows += n;
      },
      close() {
        pq.finish();
        done = true;
        syncAndRename(tmp, path);
        return rows;
      },
      abort() {
        if (!done) rmSync(tmp, { force: true });
      },
    };
  }
  const { fd, write } = textWriter(tmp, format, columns);
  let open = true;
  return {
    write(batch) {
      rows += write(batch);
    },
    close() {
      fsyncSync(fd);
      closeSync(fd);
      open = false;
      renameSync(tmp, path);
      return rows;
    },
    abort() {
      if (open) closeSync(fd);
      open = false;
      rmSync(tmp, { force: true });
    },
  };
}

function syncAndRename(tmp: string, path: string): void {
  const fd = openSync(tmp, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
