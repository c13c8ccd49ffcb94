import { createHash } from "node:crypto";
import { basename, extname } from "node:path";
import { readCsvMatrix, type CsvMatrixOptions } from "../store/csv-matrix.js";
import { readNpyMatrix } from "../store/npy.js";
import { readParquetEmbeddings, type ParquetEmbeddingsOptions } from "../store/parquet-embeddings.js";
import { progressTask, type ProgressOptions } from "../store/progress.js";
import { readSafetensors } from "../store/safetensors.js";
import { Matrix } from "../tensor/matrix.js";

/** Formats `importEmbeddings` reads, chosen from the file extension unless given. */
export type EmbeddingsFormat = "npy" | "safetensors" | "csv" | "parquet";

/** Options of {@link importEmbeddings}. */
export interface EmbeddingsImportOptions {
  /** Force a format instead of using the extension. */
  readonly format?: EmbeddingsFormat;
  /** safetensors: the tensor to read (default: the first 2-D tensor in file order). */
  readonly tensor?: string;
  /** CSV parsing options. */
  readonly csv?: CsvMatrixOptions;
  /** Parquet: the list<float> column and the id column (see store/parquet-embeddings.ts). */
  readonly parquet?: ParquetEmbeddingsOptions;
  /** Progress of the stages (read, check, fingerprint): live on a TTY outside CI (store/progress.ts). */
  readonly progress?: ProgressOptions;
}

/** Imported embeddings: rows x dims float32, where they came from and a fingerprint of the values. */
export interface ImportedEmbeddings {
  readonly matrix: Matrix;
  readonly format: EmbeddingsFormat;
  /** Tensor name for safetensors; column names for a CSV with a header; Parquet: the vector column. */
  readonly tensor?: string;
  readonly columns?: string[];
  /** Parquet with an id column: the id of each row. */
  readonly ids?: string[];
  /** sha256 (hex) of the float32 values and the shape. */
  readonly hash: string;
}

/** The format implied by a file name (.npy, .safetensors, .csv/.tsv/.txt, .parquet); throws listing the known ones. */
export function embeddingsFormatOf(path: string): EmbeddingsFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".npy") return "npy";
  if (ext === ".safetensors") return "safetensors";
  if (ext === ".csv" || ext === ".tsv" || ext === ".txt") return "csv";
  if (ext === ".parquet" || ext === ".pq") return "parquet";
  throw new Error(
    `${path}: unknown embeddings format "${ext || "(no extension)"}" (known: .npy, .safetensors, .csv, .tsv, .txt, .parquet)`,
  );
}

/** sha256 (hex) over "rows x cols" and the float32 bytes of a matrix. */
export function matrixFingerprint(m: Matrix): string {
  const h = createHash("sha256");
  h.update(`matrix:${m.rows}x${m.cols};`);
  h.update(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  return h.digest("hex");
}

function fromSafetensors(path: string, name: string | undefined): { matrix: Matrix; tensor: string } {
  const st = readSafetensors(path);
  const entries = [...st.tensors.entries()];
  const describe = entries.map(([n, t]) => `${n} ${t.dtype}[${t.shape.join(", ")}]`).join(", ") || "none";
  const picked =
    name !== undefined ? entries.find(([n]) => n === name) : entries.find(([, t]) => t.shape.length === 2);
  if (!picked) {
    throw new Error(
      name !== undefined
        ? `${path}: no tensor "${name}" (have: ${describe})`
        : `${path}: no 2-D tensor to use as embeddings (have: ${describe}); pick one with --tensor`,
    );
  }
  const [tensorName, t] = picked;
  if (t.shape.length !== 2)
    throw new Error(
      `${path}: tensor "${tensorName}" has shape [${t.shape.join(", ")}], expected 2-D (rows x dims)`,
    );
  if (t.dtype === "I32")
    throw new Error(
      `${path}: tensor "${tensorName}" holds integers (${t.dtype}); embeddings must be F32 or F64`,
    );
  const m = new Matrix(t.shape[0], t.shape[1]);
  for (let p = 0; p < m.data.length; p++) {
    const v = t.data[p];
    if (!Number.isFinite(v))
      throw new Error(
        `${path}: tensor "${tensorName}" value at row ${Math.floor(p / m.cols)}, column ${p % m.cols} is ${v}`,
      );
    m.data[p] = v;
  }
  return { matrix: m, tensor: tensorName };
}

/**
 * Reads embeddings of a model outside reclens (one row per user or item) from .npy (float32/float64,
 * little-endian, C order; versions 1-3), safetensors (the first 2-D F32/F64 tensor, or `tensor`),
 * CSV (numeric rows, optional header) or Parquet (a list/fixed-size-list float column plus an
 * optional id column). Errors name the file and, for CSV, the line and field.
 */
export async function importEmbeddings(
  path: string,
  opts: EmbeddingsImportOptions = {},
): Promise<ImportedEmbeddings> {
  const task = progressTask(`import ${basename(path)}`, 2, opts.progress);
  try {
    const r = await readEmbeddings(path, opts, (stage, detail) => task.set(stage, detail, true));
    task.finish(`${r.matrix.rows} x ${r.matrix.cols} ${r.format}`);
    return r;
  } catch (err) {
    task.finish(); // end the live line before the error is printed
    throw err;
  }
}

/** {@link importEmbeddings} without the progress line; `stage(k, what)` starts stage k of 2. */
async function readEmbeddings(
  path: string,
  opts: EmbeddingsImportOptions,
  stage: (k: number, what: string) => void,
): Promise<ImportedEmbeddings> {
  const format = opts.format ?? embeddingsFormatOf(path);
  stage(0, `reading ${format}`);
  if (opts.tensor !== undefined && format !== "safetensors")
    throw new Error(`${path}: --tensor only applies to safetensors files`);
  let matrix: Matrix;
  let extra: { tensor?: string; columns?: string[]; ids?: string[] } = {};
  if (format === "npy") matrix = readNpyMatrix(path);
  else if (format === "safetensors") {
    const r = fromSafetensors(path, opts.tensor);
    matrix = r.matrix;
    extra = { tensor: r.tensor };
  } else if (format === "parquet") {
    const r = await readParquetEmbeddings(path, opts.parquet);
    matrix = r.matrix;
    extra = { tensor: r.column, ...(r.ids ? { ids: r.ids } : {}) };
  } else {
    const r = readCsvMatrix(path, opts.csv);
    matrix = r.matrix;
    if (r.columns) extra = { columns: r.columns };
  }
  if (matrix.rows < 2) throw new Error(`${path}: ${matrix.rows} row(s); an SAE needs many embedding rows`);
  if (matrix.cols < 1) throw new Error(`${path}: embeddings have no columns`);
  stage(1, `${matrix.rows} x ${matrix.cols}: fingerprint`);
  const hash = matrixFingerprint(matrix);
  stage(2, "done");
  return { matrix, format, ...extra, hash };
}
