import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import type { InitialiseOptions, SparseAutoencoder } from "./model.js";
import type { Shard } from "./shards.js";

/** Settings of {@link streamedBatches}. */
export interface StreamOptions {
  readonly batchSize: number;
  readonly seed: number;
  /**
   * Rows of the shuffle buffer (the memory bound). With bufferRows >= all rows the shuffle is exact:
   * the batches equal `shuffledBatches` over the shards concatenated in name order, bit for bit.
   */
  readonly bufferRows: number;
  /** Shards read from at once while filling the buffer (default 4). */
  readonly shardsAtOnce?: number;
  /** Rows read per chunk from one .npy shard (default 4096; Parquet reads whole row groups). */
  readonly chunkRows?: number;
}

/** Memory accounting of a stream: the most rows held at once (buffer + batch + decode scratch). */
export interface StreamStats {
  peakRowsHeld: number;
  rowsRead: number;
}

/** A streaming batch source for `trainSae` plus its accounting. */
export interface ShardStream {
  readonly rows: number;
  readonly cols: number;
  readonly batchesPerEpoch: number;
  readonly stats: StreamStats;
  readonly source: (epoch: number) => AsyncIterable<Matrix>;
}

interface Cursor {
  shard: Shard;
  pos: number;
}

/**
 * Mini-batches over shards larger than memory: a buffer of `bufferRows` rows is filled with chunks
 * drawn at random from `shardsAtOnce` open shards (shard order seeded per epoch), shuffled with the
 * epoch's permutation stream, and cut into batches; the rows left short of a batch are carried into
 * the next fill. Epoch e's in-buffer permutations come from the generator `shuffledBatches` uses,
 * so an exact buffer (all rows, shards in name order) reproduces in-memory training.
 */
export function streamedBatches(shards: readonly Shard[], opts: StreamOptions): ShardStream {
  const { batchSize, seed, bufferRows } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`streamedBatches: batchSize must be a positive integer, got ${batchSize}`);
  if (shards.length === 0) throw new RangeError("streamedBatches: no shards");
  const total = shards.reduce((s, x) => s + x.rows, 0);
  const cols = shards[0].cols;
  if (total === 0) throw new RangeError("streamedBatches: the shards have no rows");
  const cap = Math.min(total, bufferRows);
  if (!Number.isInteger(bufferRows) || cap < batchSize)
    throw new RangeError(
      `streamedBatches: bufferRows (${bufferRows}) must be an integer of at least one batch (${batchSize})`,
    );
  const exact = cap === total;
  const atOnce = Math.max(1, opts.shardsAtOnce ?? 4);
  const chunk = Math.max(1, opts.chunkRows ?? 4096);
  const stats: StreamStats = { peakRowsHeld: 0, rowsRead: 0 };
  let buffer: Matrix | null = null;

  async function* epochBatches(epoch: number): AsyncGenerator<Matrix> {
    buffer ??= new Matrix(cap, cols);
    const buf = buffer;
    const perms = new Rng(seed * 7919 + epoch * 104729 + 17);
    const pick = new Rng(seed * 31 + epoch * 7 + 1013);
    const order = exact ? Int32Array.from(shards.keys()) : pick.permutation(shards.length);
    let next = 0;
    const open: Cursor[] = [];
    const refill = (): void => {
      while (open.length < (exact ? 1 : atOnce) && next < order.length)
        open.push({ shard: shards[order[next++]], pos: 0 });
    };
    let filled = 0;
    refill();
    while (open.length > 0) {
      while (filled < cap && open.length > 0) {
        const i = exact ? 0 : pick.int(open.length);
        const c = open[i];
        const block = c.shard.blockEnd ? c.shard.blockEnd(c.pos) - c.pos : exact ? cap : chunk;
        const take = Math.min(block, c.shard.rows - c.pos, cap - filled);
        const scratch = await c.shard.readInto(c.pos, c.pos + take, buf.data, filled);
        stats.peakRowsHeld = Math.max(stats.peakRowsHeld, cap + scratch);
        stats.rowsRead += take;
        c.pos += take;
        filled += take;
        if (c.pos >= c.shard.rows) {
          open.splice(i, 1);
          refill();
        }
      }
      const perm = perms.permutation(filled);
      let s = 0;
      for (; s + batchSize <= filled; s += batchSize) {
        stats.peakRowsHeld = Math.max(stats.peakRowsHeld, cap + batchSize);
        yield buf.gatherRows(perm.subarray(s, s + batchSize));
      }
      const left = filled - s;
      if (left > 0 && open.length === 0) {
        yield buf.gatherRows(perm.subarray(s));
        filled = 0;
      } else if (left > 0) {
        const carry = buf.gatherRows(perm.subarray(s));
        buf.data.set(carry.data, 0);
        filled = left;
      } else filled = 0;
    }
  }

  return {
    rows: total,
    cols,
    batchesPerEpoch: Math.ceil(total / batchSize),
    stats,
    source: (epoch: number) => ({ [Symbol.asyncIterator]: () => epochBatches(epoch) }),
  };
}

/** Settings of {@link initialiseFromShards}. */
export interface ShardInitOptions extends InitialiseOptions {
  /** Rows of the uniform (reservoir) sample that sets b_dec and data atoms (default 65536). */
  readonly sampleRows?: number;
  readonly chunkRows?: number;
}

/** What the first pass measured. */
export interface ShardInitReport {
  readonly rows: number;
  readonly sampleRows: number;
  /** Whether every row was used (the in-memory initialisation exactly). */
  readonly exact: boolean;
}

async function forEachChunk(
  shards: readonly Shard[],
  chunkRows: number,
  fn: (m: Matrix, firstRow: number) => void,
): Promise<void> {
  const cols = shards[0].cols;
  const scratch = new Matrix(chunkRows, cols);
  let row = 0;
  for (const sh of shards)
    for (let p = 0; p < sh.rows; p += chunkRows) {
      const n = Math.min(chunkRows, sh.rows - p);
      await sh.readInto(p, p + n, scratch.data, 0);
      fn(n === chunkRows ? scratch : new Matrix(n, cols, scratch.data.subarray(0, n * cols)), row);
      row += n;
    }
}

/**
 * Initialises `sae` from shards without loading them: when all rows fit in `sampleRows` they are
 * read in name order and passed to `sae.initialise` (identical to in-memory training); otherwise a
 * first pass draws a seeded reservoir sample (b_dec, data atoms) and, for "dataset" normalisation,
 * computes the exact column means and (second pass) the mean centred norm over ALL rows, which
 * replace the sample's statistics (b_dec is mapped to the exact statistics).
 */
export async function initialiseFromShards(
  sae: SparseAutoencoder,
  shards: readonly Shard[],
  opts: ShardInitOptions = {},
): Promise<ShardInitReport> {
  const total = shards.reduce((s, x) => s + x.rows, 0);
  const cols = shards[0].cols;
  const want = opts.sampleRows ?? 65536;
  const chunkRows = opts.chunkRows ?? 4096;
  const init: InitialiseOptions = {
    ...(opts.atoms ? { atoms: opts.atoms } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.matchScale ? { matchScale: opts.matchScale } : {}),
  };
  if (total <= want) {
    const all = new Matrix(total, cols);
    let at = 0;
    for (const sh of shards) {
      await sh.readInto(0, sh.rows, all.data, at);
      at += sh.rows;
    }
    sae.initialise(all, init);
    return { rows: total, sampleRows: total, exact: true };
  }
  const sample = new Matrix(want, cols);
  const rng = new Rng((opts.seed ?? 0) * 65599 + 3);
  const sum = new Float64Array(cols);
  await forEachChunk(shards, chunkRows, (m, first) => {
    for (let r = 0; r < m.rows; r++) {
      const g = first + r;
      const src = m.data.subarray(r * cols, (r + 1) * cols);
      for (let c = 0; c < cols; c++) sum[c] += src[c];
      if (g < want) sample.data.set(src, g * cols);
      else {
        const j = rng.int(g + 1);
        if (j < want) sample.data.set(src, j * cols);
      }
    }
  });
  sae.initialise(sample, init);
  const t = sae.tensors();
  if (t.norm_mean && t.norm_scale) {
    const mu = Float64Array.from(sum, (s) => s / total);
    let normSum = 0;
    await forEachChunk(shards, chunkRows, (m) => {
      for (let r = 0; r < m.rows; r++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += (m.data[r * cols + c] - mu[c]) ** 2;
        normSum += Math.sqrt(s);
      }
    });
    const avg = normSum / total;
    const scale = avg > 1e-8 ? avg : 1;
    const b = t.b_dec.data;
    const muS = t.norm_mean.data;
    const cS = t.norm_scale.data[0];
    for (let c = 0; c < cols; c++) b[c] = (b[c] * cS + muS[c] - mu[c]) / scale;
    t.norm_mean.data.set(mu);
    t.norm_scale.data[0] = scale;
  }
  return { rows: total, sampleRows: want, exact: false };
}
