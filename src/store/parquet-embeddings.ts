import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import type { AsyncBuffer, SchemaTree } from "hyparquet";
import { Matrix } from "../tensor/matrix.js";

/** Options of {@link readParquetEmbeddings}. */
export interface ParquetEmbeddingsOptions {
  /** The list column holding the vectors (default: the only LIST column of floats). */
  readonly column?: string;
  /** The id column (default: "id" when present, else the first string or integer column, if any). */
  readonly idColumn?: string;
}

/** Vectors read from a Parquet file, with the ids of the rows when the file has an id column. */
export interface ParquetEmbeddings {
  readonly matrix: Matrix;
  readonly column: string;
  readonly idColumn?: string;
  readonly ids?: string[];
}

const FLOATS = new Set(["FLOAT", "DOUBLE"]);
const ID_TYPES = new Set(["BYTE_ARRAY", "INT32", "INT64", "FIXED_LEN_BYTE_ARRAY"]);

/** Whether a top-level column is a (fixed-size) list of floats: LIST > repeated group > float leaf. */
export function isFloatList(node: SchemaTree): boolean {
  const e = node.element;
  const listy = e.converted_type === "LIST" || e.logical_type?.type === "LIST";
  if (!listy || node.children.length !== 1) return false;
  const rep = node.children[0];
  const leaf = rep.children.length === 1 ? rep.children[0] : rep;
  return leaf.children.length === 0 && FLOATS.has(String(leaf.element.type));
}

function describe(nodes: readonly SchemaTree[]): string {
  return nodes
    .map((n) => {
      const e = n.element;
      const listy = e.converted_type === "LIST" || e.logical_type?.type === "LIST";
      return `${e.name} (${isFloatList(n) ? "list<float>" : listy ? "list" : (e.type ?? "group")})`;
    })
    .join(", ");
}

/**
 * Reads embeddings from a Parquet file (hyparquet): one row per user or item, the vector in a
 * list or fixed-size-list float column (as pandas/pyarrow, Spark and DuckDB write them) and an
 * optional id column. Every vector must have the same length and finite values; errors name the
 * file, the column and the row.
 */
export async function readParquetEmbeddings(
  path: string,
  opts: ParquetEmbeddingsOptions = {},
): Promise<ParquetEmbeddings> {
  let file: AsyncBuffer;
  try {
    file = await asyncBufferFromFile(path);
  } catch (err) {
    throw new Error(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new Error(`${path}: not a Parquet file (${(err as Error).message})`);
  }
  const top = parquetSchema(metadata).children;
  const byName = new Map(top.map((n) => [n.element.name, n]));
  let column = opts.column;
  if (column !== undefined) {
    const node = byName.get(column);
    if (!node) throw new Error(`${path}: no column "${column}" (have: ${describe(top)})`);
    if (!isFloatList(node))
      throw new Error(`${path}: column "${column}" is not a list of floats (have: ${describe(top)})`);
  } else {
    const lists = top.filter(isFloatList);
    if (lists.length !== 1)
      throw new Error(
        `${path}: ${lists.length === 0 ? "no list<float> column" : "several list<float> columns"} to use as embeddings (have: ${describe(top)}); pick one with --column`,
      );
    column = lists[0].element.name;
  }
  let idColumn = opts.idColumn;
  if (idColumn !== undefined) {
    if (!byName.has(idColumn))
      throw new Error(`${path}: no id column "${idColumn}" (have: ${describe(top)})`);
  } else {
    const ids = top.filter((n) => n.children.length === 0 && ID_TYPES.has(String(n.element.type)));
    idColumn = (ids.find((n) => n.element.name === "id") ?? ids[0])?.element.name;
  }
  const rows = await parquetReadObjects({ file, columns: idColumn ? [idColumn, column] : [column] });
  if (rows.length === 0) throw new Error(`${path}: no rows`);
  const first = rows[0][column] as unknown;
  const dim = Array.isArray(first) ? first.length : 0;
  if (dim === 0) throw new Error(`${path}: column "${column}" row 0 is empty or null`);
  const matrix = new Matrix(rows.length, dim);
  const ids: string[] = [];
  rows.forEach((row, r) => {
    const v = row[column as string] as unknown;
    if (!Array.isArray(v) || v.length !== dim)
      throw new Error(
        `${path}: column "${column}" row ${r} has ${Array.isArray(v) ? v.length : "no"} values, expected ${dim} (as row 0)`,
      );
    for (let c = 0; c < dim; c++) {
      const x = Number(v[c]);
      if (v[c] === null || !Number.isFinite(x))
        throw new Error(`${path}: column "${column}" row ${r} value ${c} is ${String(v[c])}`);
      matrix.data[r * dim + c] = x;
    }
    if (idColumn) ids.push(String(row[idColumn]));
  });
  return { matrix, column, ...(idColumn ? { idColumn, ids } : {}) };
}
