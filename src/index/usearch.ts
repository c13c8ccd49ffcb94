import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Index, MetricKind, ScalarKind } from "usearch";
import { BadInput, NotFound } from "../errors.js";
import { writeFileAtomic } from "../store/atomic.js";
import { kernels } from "../tensor/backend.js";
import { Matrix } from "../tensor/matrix.js";
import type { ItemHits, ItemIndex } from "./types.js";

/** Metadata file of an index directory; it names the current index file. */
export const ANN_META = "reclens-index.json";
const FORMAT = "reclens-usearch-ip/1";

/** How the HNSW graph is built and searched (usearch's names in brackets). */
export interface AnnIndexOptions {
  /** Graph degree [connectivity] (default 16). */
  readonly connectivity?: number;
  /** Beam width while inserting [expansion_add] (default 128). */
  readonly expansionAdd?: number;
  /** Beam width while searching [expansion_search] (default 64; raised to the candidates wanted). */
  readonly expansionSearch?: number;
  /** Threads for the build (default 1; the serving search always runs on the calling thread). */
  readonly threads?: number;
}

/** The search-time settings that may differ from the build's. */
export type AnnSearchOptions = Pick<AnnIndexOptions, "expansionSearch">;

/** reclens-index.json. */
interface AnnMeta {
  readonly format: typeof FORMAT;
  /** The usearch file (in the same directory) this metadata describes. */
  readonly file: string;
  readonly items: number;
  readonly dim: number;
  /** Whether the stored vectors are [v_i, b_i] (queried with [q, 1]) rather than v_i. */
  readonly withBias: boolean;
  /** Rows left out of the graph because their vector or bias is not finite (they never rank). */
  readonly skipped: number;
  /** sha256 of the item matrix and bias the index was built from ({@link itemsFingerprint}). */
  readonly fingerprint: string;
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly expansionSearch: number;
  readonly usearch: string;
}

const USEARCH_VERSION = "2.26.2";

/** Rows per aligned block in {@link UsearchItemIndex.rescore} (a multiple of every sgemv row group). */
const RESCORE_BLOCK = 64;

/** sha256 (hex) over the shape, the float32 bytes of `items` and of `bias` (when given). */
export function itemsFingerprint(items: Matrix, bias: Float32Array | null): string {
  const h = createHash("sha256");
  h.update(`items:${items.rows}x${items.cols};bias:${bias ? bias.length : "none"};`);
  h.update(new Uint8Array(items.data.buffer, items.data.byteOffset, items.data.byteLength));
  if (bias) h.update(new Uint8Array(bias.buffer, bias.byteOffset, bias.byteLength));
  return h.digest("hex");
}

function positiveInt(v: number, name: string): number {
  if (!(Number.isInteger(v) && v >= 1 && v <= 1_000_000))
    throw new BadInput(`ANN index: ${name} must be a positive integer, got ${v}`, name);
  return v;
}

/**
 * The approximate item index on usearch (HNSW, native inner-product metric). Item i is stored as
 * [v_i, b_i] (or v_i without a bias) and searched with [q, 1], so usearch's distance 1 - x.y
 * orders items by score q . v_i + b_i. The candidates are re-scored exactly from the caller's
 * item matrix with the same sgemv as ExactItemIndex (scores equal the exact path's for every item
 * returned) and sorted by score, ties by lower item id. The directory is written once (index file
 * by temp + rename, then reclens-index.json atomically) and served by a memory-mapped view, so any
 * number of processes share one copy in the page cache and answer identically.
 */
export class UsearchItemIndex implements ItemIndex {
  readonly kind = "ann" as const;
  private readonly row: Float32Array;

  private constructor(
    private readonly native: Index,
    private readonly meta: AnnMeta,
    /** The item matrix (size x dim) candidates are re-scored from. */
    readonly items: Matrix,
    readonly bias: Float32Array | null,
    private expansion: number,
  ) {
    this.row = new Float32Array(meta.withBias ? meta.dim + 1 : meta.dim);
    if (meta.withBias) this.row[meta.dim] = 1;
  }

  get size(): number {
    return this.meta.items;
  }

  get dim(): number {
    return this.meta.dim;
  }

  /** The beam width searches use (at least the number of candidates asked for). */
  get expansionSearch(): number {
    return this.expansion;
  }

  /** The sha256 of the item matrix and bias the index was built from. */
  get fingerprint(): string {
    return this.meta.fingerprint;
  }

  /**
   * Builds the HNSW index of `items` (size x dim) and `bias` into `dir` (created when missing; an
   * older index there is replaced) and opens it by a memory-mapped view.
   */
  static build(
    dir: string,
    items: Matrix,
    bias: Float32Array | null,
    opts: AnnIndexOptions = {},
  ): UsearchItemIndex {
    const n = items.rows;
    const d = items.cols;
    if (n === 0 || d === 0) throw new BadInput(`ANN index: empty item matrix ${n} x ${d}`, "items");
    if (bias && bias.length !== n)
      throw new BadInput(`ANN index: bias has ${bias.length} entries for ${n} items`, "bias");
    const connectivity = positiveInt(opts.connectivity ?? 16, "connectivity");
    const expansionAdd = positiveInt(opts.expansionAdd ?? 128, "expansionAdd");
    const expansionSearch = positiveInt(opts.expansionSearch ?? 64, "expansionSearch");
    const threads = positiveInt(opts.threads ?? 1, "threads");
    const withBias = bias !== null;
    const w = withBias ? d + 1 : d;
    const index = new Index({
      dimensions: w,
      metric: MetricKind.IP,
      quantization: ScalarKind.F32,
      connectivity,
      expansion_add: expansionAdd,
      expansion_search: expansionSearch,
      multi: false,
    });
    const CHUNK = 65_536;
    const buf = new Float32Array(CHUNK * w);
    const keys = new BigUint64Array(CHUNK);
    let skipped = 0;
    for (let s = 0; s < n; s += CHUNK) {
      let m = 0;
      for (let i = s; i < Math.min(n, s + CHUNK); i++) {
        const v = items.data.subarray(i * d, (i + 1) * d);
        const b = bias ? bias[i] : 0;
        let finite = Number.isFinite(b);
        for (let c = 0; finite && c < d; c++) finite = Number.isFinite(v[c]);
        if (!finite) {
          skipped++;
          continue;
        }
        buf.set(v, m * w);
        if (withBias) buf[m * w + d] = b;
        keys[m++] = BigInt(i);
      }
      if (m > 0) index.add(keys.subarray(0, m), buf.subarray(0, m * w), threads);
    }
    const fingerprint = itemsFingerprint(items, bias);
    const file = `items-${fingerprint.slice(0, 16)}-${Date.now().toString(36)}.usearch`;
    const tmp = join(dir, `.${file}.tmp-${process.pid}`);
    writeFileAtomic(join(dir, ".reclens-index-dir"), "usearch item index directory\n"); // creates dir
    index.save(tmp);
    renameSync(tmp, join(dir, file));
    const meta: AnnMeta = {
      format: FORMAT,
      file,
      items: n,
      dim: d,
      withBias,
      skipped,
      fingerprint,
      connectivity,
      expansionAdd,
      expansionSearch,
      usearch: USEARCH_VERSION,
    };
    writeFileAtomic(join(dir, ANN_META), `${JSON.stringify(meta, null, 2)}\n`);
    // Older index files: open views keep their (unlinked) file alive, new openers read the new one.
    for (const f of readdirSync(dir))
      if (f !== file && /^items-[0-9a-f]{16}-[0-9a-z]+\.usearch$/.test(f))
        rmSync(join(dir, f), { force: true });
    return UsearchItemIndex.open(dir, items, bias);
  }

  /**
   * Opens the index in `dir` (memory-mapped, read-only) for `items` and `bias`, which must be the
   * ones it was built from (checked by fingerprint; NotFound when `dir` holds no index).
   */
  static open(
    dir: string,
    items: Matrix,
    bias: Float32Array | null,
    opts: AnnSearchOptions = {},
  ): UsearchItemIndex {
    const meta = readAnnMeta(dir);
    if (meta.items !== items.rows || meta.dim !== items.cols || meta.withBias !== (bias !== null))
      throw new BadInput(
        `${join(dir, ANN_META)}: the index holds ${meta.items} x ${meta.dim} items${meta.withBias ? " with a bias" : ""}, ` +
          `the model has ${items.rows} x ${items.cols}${bias ? " with a bias" : ""}; rebuild it`,
        "index",
      );
    const fp = itemsFingerprint(items, bias);
    if (fp !== meta.fingerprint)
      throw new BadInput(
        `${join(dir, ANN_META)}: built from other item vectors (fingerprint ${meta.fingerprint.slice(0, 12)}, ` +
          `the model's is ${fp.slice(0, 12)}); rebuild it`,
        "index",
      );
    const expansion = positiveInt(opts.expansionSearch ?? meta.expansionSearch, "expansionSearch");
    const native = new Index({
      dimensions: meta.withBias ? meta.dim + 1 : meta.dim,
      metric: MetricKind.IP,
      quantization: ScalarKind.F32,
      connectivity: meta.connectivity,
      expansion_add: meta.expansionAdd,
      expansion_search: expansion,
      multi: false,
    });
    const path = join(dir, meta.file);
    if (!existsSync(path))
      throw new NotFound(`${join(dir, ANN_META)}: index file ${meta.file} is missing`, "index");
    native.view(path);
    if (native.size() !== meta.items - meta.skipped)
      throw new BadInput(
        `${path}: holds ${native.size()} vectors, expected ${meta.items - meta.skipped}`,
        "index",
      );
    return new UsearchItemIndex(native, meta, items, bias, expansion);
  }

  /**
   * The ids of the (approximately) `count` best items by q . v_i + b_i, in usearch's order. The
   * beam is max(expansionSearch, count) wide.
   */
  candidates(query: Float32Array, count: number): Int32Array {
    if (query.length !== this.dim)
      throw new RangeError(
        `UsearchItemIndex: query has ${query.length} entries, the index is ${this.dim} wide`,
      );
    for (let c = 0; c < query.length; c++) if (!Number.isFinite(query[c])) return new Int32Array(0); // every score would be NaN
    const want = Math.min(count, this.meta.items - this.meta.skipped);
    if (want <= 0) return new Int32Array(0);
    this.row.set(query);
    const res = this.native.search(this.row, want, 1);
    const out = new Int32Array(res.keys.length);
    let m = 0;
    for (let t = 0; t < res.keys.length; t++) {
      const key = res.keys[t];
      if (key < BigInt(this.meta.items)) out[m++] = Number(key); // usearch pads short answers
    }
    return out.subarray(0, m);
  }

  /**
   * Exact scores q . v_i + b_i of the items `ids`, equal to ExactItemIndex.scoreAll's bit for bit:
   * BLAS sgemv kernels sum a row differently depending on where it sits in their row groups (and
   * the matrix's tail rows differently again), so each candidate is scored by one sgemv over the
   * RESCORE_BLOCK-row block of the item matrix that holds it, aligned as in the full pass.
   */
  rescore(query: Float32Array, ids: ArrayLike<number>): Float32Array {
    const d = this.dim;
    const n = this.size;
    const y = new Float32Array(ids.length);
    const blocks = new Map<number, Float32Array>();
    for (let t = 0; t < ids.length; t++) {
      const blk = Math.floor(ids[t] / RESCORE_BLOCK);
      let s = blocks.get(blk);
      if (!s) {
        const lo = blk * RESCORE_BLOCK;
        const rows = Math.min(RESCORE_BLOCK, n - lo);
        s = new Float32Array(rows);
        kernels().gemv(
          false,
          1,
          new Matrix(rows, d, this.items.data.subarray(lo * d, (lo + rows) * d)),
          query,
          0,
          s,
        );
        blocks.set(blk, s);
      }
      y[t] = s[ids[t] - blk * RESCORE_BLOCK];
    }
    const b = this.bias;
    if (b) for (let t = 0; t < y.length; t++) y[t] = y[t] + b[ids[t]];
    return y;
  }

  /** {@link topK} without the promise (usearch searches synchronously). */
  topKSync(query: Float32Array, k: number, exclude?: ArrayLike<number>): ItemHits {
    if (!(Number.isInteger(k) && k >= 1))
      throw new RangeError(`topK: k must be a positive integer, got ${k}`);
    const skip = exclude && exclude.length > 0 ? new Set<number>(Array.from(exclude)) : null;
    const ids = this.candidates(query, k + (skip ? skip.size : 0));
    return rankCandidates(ids, this.rescore(query, ids), k, skip);
  }

  /** See {@link ItemIndex.topK}: approximate candidates, exact scores. */
  topK(query: Float32Array, k: number, exclude?: ArrayLike<number>): Promise<ItemHits> {
    return Promise.resolve(this.topKSync(query, k, exclude));
  }
}

/**
 * The k best of candidate `ids` with exact `scores`, best first, ties by lower id; ids in `skip`,
 * NaN and -Infinity dropped.
 */
export function rankCandidates(
  ids: ArrayLike<number>,
  scores: Float32Array,
  k: number,
  skip: ReadonlySet<number> | null,
): ItemHits {
  const order: number[] = [];
  for (let t = 0; t < ids.length; t++) if (scores[t] > -Infinity && !skip?.has(ids[t])) order.push(t);
  order.sort((a, b) => scores[b] - scores[a] || ids[a] - ids[b]);
  const top = order.slice(0, k);
  return { items: Int32Array.from(top, (t) => ids[t]), scores: Float32Array.from(top, (t) => scores[t]) };
}

/** Reads and checks reclens-index.json of `dir`. */
export function readAnnMeta(dir: string): AnnMeta {
  const path = join(dir, ANN_META);
  if (!existsSync(path)) throw new NotFound(`no reclens item index in ${dir} (missing ${ANN_META})`, "index");
  let meta: AnnMeta;
  try {
    meta = JSON.parse(readFileSync(path, "utf8")) as AnnMeta;
  } catch (e) {
    throw new BadInput(`${path}: not JSON (${(e as Error).message})`, "index");
  }
  if (meta.format !== FORMAT)
    throw new BadInput(
      `${path}: unknown index format ${JSON.stringify(meta.format)} (expected ${FORMAT})`,
      "index",
    );
  return meta;
}
