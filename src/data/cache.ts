import { createHash } from "node:crypto";
import { open, readFile, stat } from "node:fs/promises";
import { writeFileAtomic } from "../store/atomic.js";
import { Csr } from "../tensor/csr.js";
import type { Processed, ProcessReport } from "./process.js";
import type { Dataset, ItemConcepts } from "./types.js";

/**
 * Binary cache of processed datasets. Layout: 8-byte magic "RLDSET01", uint32 LE header length,
 * a UTF-8 JSON header (names, ids, titles, texts, report, array table), zero padding to 8 bytes,
 * then the raw little-endian typed arrays, each starting at a multiple of 8 bytes. Reloading maps
 * arrays as views over the file buffer without parsing.
 */
const MAGIC = "RLDSET01";
/** Bump when processing semantics or the layout change: old cache files are then ignored. */
export const CACHE_FORMAT_VERSION = 2;

type DType = "i32" | "f32" | "f64";
type TypedArray = Int32Array | Float32Array | Float64Array;
interface ArrayEntry {
  name: string;
  dtype: DType;
  offset: number;
  length: number;
}
interface ConceptHeader {
  kind: string;
  names: string[];
  rows: number;
  cols: number;
}
interface CacheHeader {
  version: number;
  key: string;
  name: string;
  source: string;
  users: string[];
  items: string[];
  itemTitles?: string[];
  itemText?: string[];
  /** Names of the numeric item attributes (arrays `itemAttr.<name>`). */
  itemAttributes?: string[];
  userAttributes?: Record<string, string[]>;
  matrix: { rows: number; cols: number };
  concepts: ConceptHeader[];
  report: ProcessReport;
  arrays: ArrayEntry[];
}

/** Size, mtime and a hash of the first and last 64 KiB of each file: cheap to compute, changes with any edit in practice. */
export async function fingerprintFiles(files: string[]): Promise<string> {
  const h = createHash("sha256");
  for (const f of [...files].sort()) {
    const s = await stat(f);
    h.update(`${f}\0${s.size}\0${s.mtimeMs}\0`);
    const fh = await open(f, "r");
    try {
      const span = 1 << 16;
      const buf = Buffer.alloc(Math.min(s.size, 2 * span));
      if (s.size <= 2 * span) {
        await fh.read(buf, 0, s.size, 0);
      } else {
        await fh.read(buf, 0, span, 0);
        await fh.read(buf, span, span, s.size - span);
      }
      h.update(buf);
    } finally {
      await fh.close();
    }
  }
  return h.digest("hex");
}

/** Cache key: hash of the cache format version, the source format, file fingerprints and every option that affects the result. */
export async function cacheKey(format: string, files: string[], options: unknown): Promise<string> {
  const fp = await fingerprintFiles(files);
  return createHash("sha256")
    .update(JSON.stringify({ v: CACHE_FORMAT_VERSION, format, fp, options: sortKeys(options) }))
    .digest("hex");
}

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === "object") {
    return Object.fromEntries(
      Object.keys(x)
        .sort()
        .map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]),
    );
  }
  return x;
}

const align8 = (n: number): number => (n + 7) & ~7;

/** Writes a processed dataset to `path` atomically (temporary file in the same folder, then rename). */
export async function writeDatasetCache(path: string, processed: Processed, key: string): Promise<void> {
  const { dataset: d, report } = processed;
  const arrays: { name: string; dtype: DType; data: TypedArray }[] = [
    { name: "matrix.indptr", dtype: "i32", data: d.matrix.indptr },
    { name: "matrix.indices", dtype: "i32", data: d.matrix.indices },
    { name: "matrix.values", dtype: "f32", data: d.matrix.values },
  ];
  if (d.timestamps) arrays.push({ name: "timestamps", dtype: "f64", data: d.timestamps });
  if (d.itemYears) arrays.push({ name: "itemYears", dtype: "i32", data: d.itemYears });
  for (const [k, v] of Object.entries(d.itemAttributes ?? {}))
    arrays.push({ name: `itemAttr.${k}`, dtype: "f64", data: v });
  d.concepts.forEach((c, k) => {
    arrays.push({ name: `concept${k}.indptr`, dtype: "i32", data: c.matrix.indptr });
    arrays.push({ name: `concept${k}.indices`, dtype: "i32", data: c.matrix.indices });
    arrays.push({ name: `concept${k}.values`, dtype: "f32", data: c.matrix.values });
  });
  let offset = 0;
  const table: ArrayEntry[] = arrays.map((a) => {
    const e = { name: a.name, dtype: a.dtype, offset, length: a.data.length };
    offset = align8(offset + a.data.byteLength);
    return e;
  });
  const header: CacheHeader = {
    version: CACHE_FORMAT_VERSION,
    key,
    name: d.name,
    source: d.source,
    users: d.users,
    items: d.items,
    ...(d.itemTitles ? { itemTitles: d.itemTitles } : {}),
    ...(d.itemText ? { itemText: d.itemText } : {}),
    ...(d.itemAttributes ? { itemAttributes: Object.keys(d.itemAttributes) } : {}),
    ...(d.userAttributes ? { userAttributes: d.userAttributes } : {}),
    matrix: { rows: d.matrix.rows, cols: d.matrix.cols },
    concepts: d.concepts.map((c) => ({
      kind: c.kind,
      names: c.names,
      rows: c.matrix.rows,
      cols: c.matrix.cols,
    })),
    report,
    arrays: table,
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const prefix = Buffer.alloc(align8(12 + json.length));
  prefix.write(MAGIC, 0, "latin1");
  prefix.writeUInt32LE(json.length, 8);
  json.copy(prefix, 12);

  const parts: Uint8Array[] = [prefix];
  const pad = new Uint8Array(8);
  for (const a of arrays) {
    const bytes = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    parts.push(bytes);
    const extra = align8(bytes.length) - bytes.length;
    if (extra) parts.push(pad.subarray(0, extra));
  }
  writeFileAtomic(path, parts);
}

/**
 * Reads a cache file. Returns null when it is absent, written by another cache version, for
 * another key (when `expectedKey` is given) or damaged, so callers fall back to parsing.
 */
export async function readDatasetCache(path: string, expectedKey?: string): Promise<Processed | null> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch {
    return null;
  }
  try {
    if (buf.length < 12 || buf.toString("latin1", 0, 8) !== MAGIC) return null;
    const hlen = buf.readUInt32LE(8);
    const header = JSON.parse(buf.toString("utf8", 12, 12 + hlen)) as CacheHeader;
    if (header.version !== CACHE_FORMAT_VERSION || (expectedKey !== undefined && header.key !== expectedKey))
      return null;
    const base = align8(12 + hlen);
    const arrays = new Map<string, TypedArray>();
    for (const e of header.arrays) arrays.set(e.name, view(buf, base + e.offset, e));
    const get = <T extends TypedArray>(name: string): T => {
      const a = arrays.get(name);
      if (!a) throw new Error(`cache: array ${name} missing`);
      return a as T;
    };
    const matrix = new Csr(
      header.matrix.rows,
      header.matrix.cols,
      get("matrix.indptr"),
      get("matrix.indices"),
      get("matrix.values"),
    );
    const concepts: ItemConcepts[] = header.concepts.map((c, k) => ({
      kind: c.kind,
      names: c.names,
      matrix: new Csr(
        c.rows,
        c.cols,
        get(`concept${k}.indptr`),
        get(`concept${k}.indices`),
        get(`concept${k}.values`),
      ),
    }));
    const timestamps = arrays.get("timestamps") as Float64Array | undefined;
    const itemYears = arrays.get("itemYears") as Int32Array | undefined;
    const itemAttributes = header.itemAttributes
      ? Object.fromEntries(header.itemAttributes.map((k) => [k, get<Float64Array>(`itemAttr.${k}`)]))
      : undefined;
    const dataset: Dataset = {
      name: header.name,
      source: header.source,
      users: header.users,
      items: header.items,
      matrix,
      ...(timestamps ? { timestamps } : {}),
      ...(header.itemTitles ? { itemTitles: header.itemTitles } : {}),
      ...(header.itemText ? { itemText: header.itemText } : {}),
      ...(itemYears ? { itemYears } : {}),
      ...(itemAttributes ? { itemAttributes } : {}),
      ...(header.userAttributes ? { userAttributes: header.userAttributes } : {}),
      concepts,
    };
    if (dataset.users.length !== matrix.rows || dataset.items.length !== matrix.cols) return null;
    return { dataset, report: header.report };
  } catch {
    return null;
  }
}

function view(buf: Buffer, at: number, e: ArrayEntry): TypedArray {
  const Ctor = e.dtype === "i32" ? Int32Array : e.dtype === "f32" ? Float32Array : Float64Array;
  const bytes = e.length * Ctor.BYTES_PER_ELEMENT;
  if (at + bytes > buf.length) throw new Error("cache: truncated");
  const abs = buf.byteOffset + at;
  if (abs % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(buf.buffer as ArrayBuffer, abs, e.length);
  const copy = new Uint8Array(bytes);
  copy.set(buf.subarray(at, at + bytes));
  return new Ctor(copy.buffer, 0, e.length);
}
