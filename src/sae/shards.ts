import { closeSync, openSync, readSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import type { AsyncBuffer, FileMetaData } from "hyparquet";
import { BadInput, NotFound } from "../errors.js";
import { parseNpyHeader } from "../store/npy.js";
import { isFloatList } from "../store/parquet-embeddings.js";

/**
 * One shard of embeddings on disk, read a slice at a time so that a set of shards larger than
 * memory can be streamed: `.npy` (float32, C order) by positioned reads straight into the caller's
 * buffer, Parquet (a list<float> column) by row groups through hyparquet.
 */
export interface Shard {
  readonly path: string;
  readonly rows: number;
  readonly cols: number;
  /**
   * Reads rows [start, end) into `out` at row offset `at` (out has `cols` columns). Returns the
   * number of rows decoded transiently outside `out` (0 for .npy; the row-group rows for Parquet),
   * so a caller can account for every row it holds.
   */
  readInto(start: number, end: number, out: Float32Array, at: number): Promise<number>;
  /** Releases the file handle (idempotent). */
  close(): void;
  /** Where a read starting at `pos` should end to stay inside one storage block (Parquet row group). */
  blockEnd?(pos: number): number;
}

/** .npy shard: header parsed once, rows read with pread into the destination's own bytes. */
class NpyShard implements Shard {
  private fd: number | null = null;
  private constructor(
    readonly path: string,
    readonly rows: number,
    readonly cols: number,
    private readonly offset: number,
  ) {}

  static open(path: string): NpyShard {
    const fd = openSync(path, "r");
    try {
      const head = Buffer.alloc(4096);
      const n = readSync(fd, head, 0, head.length, 0);
      const h = parseNpyHeader(head.subarray(0, n), path);
      if (!/^[<|=]?f4$/.test(h.descr))
        throw new BadInput(
          `${path}: streaming reads float32 .npy shards only ('<f4'), got "${h.descr}"; convert with x.astype('<f4')`,
        );
      if (h.fortranOrder) throw new BadInput(`${path}: Fortran-order .npy is not supported`);
      if (h.shape.length !== 2)
        throw new BadInput(`${path}: expected a 2-D array, got (${h.shape.join(", ")})`);
      const [rows, cols] = h.shape;
      const size = statSync(path).size;
      if (size !== h.dataOffset + rows * cols * 4)
        throw new BadInput(
          `${path}: file is ${size} bytes, shape (${rows}, ${cols}) float32 needs ${h.dataOffset + rows * cols * 4}`,
        );
      const s = new NpyShard(path, rows, cols, h.dataOffset);
      s.fd = fd;
      return s;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  readInto(start: number, end: number, out: Float32Array, at: number): Promise<number> {
    try {
      this.readSyncInto(start, end, out, at);
      return Promise.resolve(0);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  private readSyncInto(start: number, end: number, out: Float32Array, at: number): void {
    if (this.fd === null) this.fd = openSync(this.path, "r");
    const bytes = new Uint8Array(
      out.buffer,
      out.byteOffset + at * this.cols * 4,
      (end - start) * this.cols * 4,
    );
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(
        this.fd,
        bytes,
        done,
        bytes.length - done,
        this.offset + start * this.cols * 4 + done,
      );
      if (n === 0) throw new BadInput(`${this.path}: unexpected end of file at row ${start}`);
      done += n;
    }
    for (let p = at * this.cols; p < (at + end - start) * this.cols; p++)
      if (!Number.isFinite(out[p]))
        throw new BadInput(
          `${this.path}: value at row ${start + Math.floor((p - at * this.cols) / this.cols)}, column ${p % this.cols} is ${out[p]}`,
        );
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Parquet shard: reads go row group by row group (hyparquet decodes whole pages of a group). */
class ParquetShard implements Shard {
  private constructor(
    readonly path: string,
    readonly rows: number,
    readonly cols: number,
    private readonly file: AsyncBuffer,
    private readonly metadata: FileMetaData,
    private readonly column: string,
    /** Start row of each row group, and the total at the end. */
    private readonly groupStarts: number[],
  ) {}

  static async open(path: string, column?: string): Promise<ParquetShard> {
    const file = await asyncBufferFromFile(path);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (err) {
      throw new BadInput(`${path}: not a Parquet file (${(err as Error).message})`);
    }
    const top = parquetSchema(metadata).children;
    const lists = top.filter(isFloatList).map((n) => n.element.name);
    const col = column ?? (lists.length === 1 ? lists[0] : undefined);
    if (col === undefined || !lists.includes(col))
      throw new BadInput(
        `${path}: ${column ? `column "${column}" is not a list<float> column` : `${lists.length} list<float> columns`} (list<float> columns: ${lists.join(", ") || "none"}); name one with --column`,
      );
    const groupStarts = [0];
    for (const g of metadata.row_groups)
      groupStarts.push(groupStarts[groupStarts.length - 1] + Number(g.num_rows));
    const rows = groupStarts[groupStarts.length - 1];
    if (rows === 0) throw new BadInput(`${path}: no rows`);
    const first = await parquetReadObjects({ file, metadata, columns: [col], rowStart: 0, rowEnd: 1 });
    const v = first[0]?.[col] as unknown;
    if (!Array.isArray(v) || v.length === 0)
      throw new BadInput(`${path}: column "${col}" row 0 is empty or null`);
    return new ParquetShard(path, rows, v.length, file, metadata, col, groupStarts);
  }

  /** End of the row group holding row `pos`: reads aligned to groups decode each group once. */
  blockEnd(pos: number): number {
    for (const end of this.groupStarts) if (end > pos) return end;
    return this.rows;
  }

  async readInto(start: number, end: number, out: Float32Array, at: number): Promise<number> {
    const objs = await parquetReadObjects({
      file: this.file,
      metadata: this.metadata,
      columns: [this.column],
      rowStart: start,
      rowEnd: end,
    });
    if (objs.length !== end - start)
      throw new BadInput(`${this.path}: read ${objs.length} rows for rows [${start}, ${end})`);
    const d = this.cols;
    for (let r = 0; r < objs.length; r++) {
      const v = objs[r][this.column] as unknown;
      if (!Array.isArray(v) || v.length !== d)
        throw new BadInput(
          `${this.path}: column "${this.column}" row ${start + r} has ${Array.isArray(v) ? v.length : "no"} values, expected ${d}`,
        );
      for (let c = 0; c < d; c++) {
        const x = Number(v[c]);
        if (v[c] === null || !Number.isFinite(x))
          throw new BadInput(
            `${this.path}: column "${this.column}" row ${start + r} value ${c} is ${String(v[c])}`,
          );
        out[(at + r) * d + c] = x;
      }
    }
    return objs.length;
  }

  close(): void {
    /* hyparquet's file buffer holds no descriptor between reads */
  }
}

/** Opens one shard by extension (.npy or .parquet). */
export async function openShard(path: string, column?: string): Promise<Shard> {
  if (path.endsWith(".npy")) return NpyShard.open(path);
  if (path.endsWith(".parquet")) return ParquetShard.open(path, column);
  throw new BadInput(`${path}: shards must be .npy or .parquet files`);
}

/** Glob pattern ("*" and "?" in the file name only) to a RegExp. */
function globRegex(pattern: string): RegExp {
  const esc = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]");
  return new RegExp(`^${esc}$`);
}

/**
 * The shard files of `spec`: a directory (its .npy and .parquet files), a glob in the file name
 * ("/data/emb-*.npy"), or one file; sorted by name so that the order is reproducible.
 */
export function listShardFiles(spec: string): string[] {
  let files: string[];
  if (/[*?]/.test(basename(spec))) {
    const dir = dirname(spec);
    const re = globRegex(basename(spec));
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      throw new NotFound(`--shards ${spec}: directory ${dir} does not exist`);
    }
    files = names.filter((n) => re.test(n)).map((n) => join(dir, n));
  } else {
    let st;
    try {
      st = statSync(spec);
    } catch {
      throw new NotFound(`--shards ${spec}: no such file or directory`);
    }
    files = st.isDirectory()
      ? readdirSync(spec)
          .filter((n) => n.endsWith(".npy") || n.endsWith(".parquet"))
          .map((n) => join(spec, n))
      : [spec];
  }
  files.sort();
  if (files.length === 0) throw new NotFound(`--shards ${spec}: no .npy or .parquet shard files`);
  return files;
}

/** Opens every shard of `spec` and checks that they share one width. */
export async function openShards(spec: string | readonly string[], column?: string): Promise<Shard[]> {
  const files = typeof spec === "string" ? listShardFiles(spec) : [...spec];
  const shards: Shard[] = [];
  for (const f of files) shards.push(await openShard(f, column));
  const d = shards[0].cols;
  const bad = shards.find((s) => s.cols !== d);
  if (bad) {
    for (const s of shards) s.close();
    throw new BadInput(`${bad.path}: rows have ${bad.cols} values, but ${shards[0].path} has ${d}`);
  }
  return shards;
}
