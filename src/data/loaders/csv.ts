import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { basename, dirname } from "node:path";
import { DataFormatError } from "./errors.js";
import { parseNumber, parseTimestamp, requireFields, splitDelimited } from "./fields.js";
import { InteractionBuffer, ItemMetaTable, type RawDataset, type ValueKind } from "./raw.js";
import { assertPresent, readRecords } from "./read-records.js";
import type { DatasetLoader, LoaderOptions, SourceFiles } from "./spec.js";

/** A column by header name or by 0-based index. */
export type ColumnRef = string | number;

/** Layout of a generic interactions file `user,item[,rating][,timestamp]`. */
export interface CsvColumnsOptions {
  /** Field separator; detected from the first lines when omitted (tab, comma, semicolon, pipe, space). */
  delimiter?: string;
  /** Whether the first line names the columns; detected when omitted or "auto". */
  header?: boolean | "auto";
  user?: ColumnRef;
  item?: ColumnRef;
  /** Value column, or null for implicit feedback (default: a "rating"-like column, else the 3rd column). */
  rating?: ColumnRef | null;
  /** Timestamp column (seconds or ISO dates), or null (default: a "timestamp"-like column, else the 4th). */
  timestamp?: ColumnRef | null;
  /** How to read values (default "rating"; "count" for weight/count/plays columns). */
  valueKind?: ValueKind;
}

const ALIASES = {
  user: ["user", "user_id", "userid", "uid", "user id", "userid:token", "user_id:token"],
  item: [
    "item",
    "item_id",
    "itemid",
    "iid",
    "movieid",
    "movie_id",
    "artistid",
    "artist_id",
    "product_id",
    "productid",
    "item_id:token",
  ],
  rating: ["rating", "score", "value", "weight", "count", "plays", "playcount", "play_count", "rating:float"],
  timestamp: ["timestamp", "time", "ts", "date", "datetime", "timestamp:float"],
};
const COUNT_NAMES = new Set(["weight", "count", "plays", "playcount", "play_count"]);

/** The first `n` non-blank lines of a file (reads at most 64 KiB). */
export function peekLines(path: string, n: number): string[] {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(1 << 16);
    const len = readSync(fd, buf, 0, buf.length, 0);
    return new TextDecoder("latin1")
      .decode(buf.subarray(0, len))
      .split("\n")
      .map((l) => l.replace(/\r$/, ""))
      .filter((l) => l.trim().length > 0)
      .slice(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Picks the separator that splits the first lines into the same number (>1) of fields, preferring more fields. */
export function detectDelimiter(lines: string[]): string {
  let best = "";
  let bestCount = 0;
  for (const d of ["\t", ",", ";", "|", " "]) {
    const counts = lines.map((l) => splitDelimited(l, d)?.length ?? 0);
    const c = counts[0];
    if (c > 1 && counts.every((x) => x === c) && c > bestCount) {
      best = d;
      bestCount = c;
    }
  }
  if (!best)
    throw new Error(
      `cannot detect the field separator from ${JSON.stringify(lines[0] ?? "")}: pass a delimiter`,
    );
  return best;
}

interface ResolvedColumns {
  header: boolean;
  user: number;
  item: number;
  rating: number;
  timestamp: number;
  ratingName: string;
}

function resolveColumns(
  first: string[],
  second: string[] | undefined,
  o: CsvColumnsOptions,
  file: string,
): ResolvedColumns {
  const lower = first.map((f) => f.trim().toLowerCase());
  const named = [o.user, o.item, o.rating, o.timestamp].some((c) => typeof c === "string");
  const aliasHit = lower.some((f) => ALIASES.user.includes(f) || ALIASES.item.includes(f));
  const numeric = (s: string | undefined): boolean =>
    s !== undefined && s.trim() !== "" && Number.isFinite(Number(s));
  let header: boolean;
  if (o.header === true || o.header === false) header = o.header;
  else if (named || aliasHit) header = true;
  else header = first.length > 2 && !numeric(first[2]) && (second === undefined || numeric(second[2]));
  const find = (
    ref: ColumnRef | null | undefined,
    aliases: string[],
    fallback: number,
    role: string,
    required: boolean,
  ): number => {
    if (ref === null) return -1;
    if (typeof ref === "number") {
      if (!Number.isInteger(ref) || ref < 0 || ref >= first.length) {
        throw new DataFormatError(
          { file, line: 1, field: role },
          `column index ${ref} out of range (the file has ${first.length} columns)`,
        );
      }
      return ref;
    }
    if (typeof ref === "string") {
      if (!header)
        throw new DataFormatError(
          { file, line: 1, field: role },
          `column "${ref}" named but the file has no header row`,
        );
      const k = lower.indexOf(ref.toLowerCase());
      if (k < 0)
        throw new DataFormatError(
          { file, line: 1, field: role },
          `header has no column "${ref}"`,
          first.join(","),
        );
      return k;
    }
    if (header) {
      const k = lower.findIndex((f) => aliases.includes(f));
      if (k >= 0) return k;
      if (required)
        throw new DataFormatError(
          { file, line: 1, field: role },
          `header has no ${role} column (name it with the ${role} option)`,
          first.join(","),
        );
      return -1;
    }
    return fallback < first.length ? fallback : -1;
  };
  const user = find(o.user, ALIASES.user, 0, "user", true);
  const item = find(o.item, ALIASES.item, 1, "item", true);
  const rating = find(o.rating, ALIASES.rating, 2, "rating", false);
  const timestamp = find(o.timestamp, ALIASES.timestamp, 3, "timestamp", false);
  if (user === item)
    throw new DataFormatError({ file, line: 1, field: "item" }, "user and item columns are the same column");
  return { header, user, item, rating, timestamp, ratingName: rating >= 0 && header ? lower[rating] : "" };
}

/**
 * A generic interactions file: one record per line, `user,item[,rating][,timestamp]` in any column
 * order (header names or indices), any common separator, with or without a header row. Ids are kept
 * as strings.
 */
export const csvLoader: DatasetLoader = {
  format: "csv",
  description: "generic CSV/TSV of user,item[,rating][,timestamp] (columns by name or index)",
  detect: () => false,
  files(path: string): SourceFiles {
    return existsSync(path) ? { read: [path], missing: [] } : { read: [], missing: [basename(path)] };
  },
  async load(path: string, opts: LoaderOptions): Promise<RawDataset> {
    const files = this.files(path, opts);
    assertPresent(this.format, dirname(path), files, false);
    const o = opts.csv ?? {};
    const head = peekLines(path, 2).map((l) => l);
    if (head.length === 0) throw new DataFormatError({ file: path, line: 1 }, "file is empty");
    const delim = o.delimiter ?? detectDelimiter(head);
    const first = splitDelimited(head[0], delim) ?? [head[0]];
    const second = head[1] !== undefined ? (splitDelimited(head[1], delim) ?? undefined) : undefined;
    const c = resolveColumns(first, second, o, path);
    const kind: ValueKind =
      c.rating < 0 ? "implicit" : (o.valueKind ?? (COUNT_NAMES.has(c.ratingName) ? "count" : "rating"));
    const width = Math.max(c.user, c.item, c.rating, c.timestamp) + 1;
    const names = ["user", "item", "rating", "timestamp"].filter(
      (_, k) => [c.user, c.item, c.rating, c.timestamp][k] >= 0,
    );
    const sepName = delim === "\t" ? "tab" : JSON.stringify(delim);
    const buf = new InteractionBuffer(kind, c.timestamp >= 0);
    let seenFirst = false;
    if (!opts.skipInteractions) {
      await readRecords(path, { delim, quoted: true, encoding: opts.encoding }, (f, line, raw) => {
        if (!seenFirst) {
          seenFirst = true;
          if (c.header) return;
        }
        requireFields(
          f,
          width,
          path,
          line,
          `${width} ${sepName}-separated fields (${names.join(", ")})`,
          raw,
        );
        const u = f[c.user].trim();
        const i = f[c.item].trim();
        if (!u) throw new DataFormatError({ file: path, line, field: "user" }, "empty user id", f[c.user]);
        if (!i) throw new DataFormatError({ file: path, line, field: "item" }, "empty item id", f[c.item]);
        const v = c.rating >= 0 ? parseNumber(f[c.rating], path, line, "rating") : 1;
        const t = c.timestamp >= 0 ? parseTimestamp(f[c.timestamp], path, line, "timestamp") : 0;
        buf.push(buf.users.intern(u), buf.items.intern(i), v, t);
      });
    }
    const name = opts.name ?? basename(path).replace(/\.[^.]+$/, "");
    return {
      format: this.format,
      name,
      source: path,
      interactions: buf.finish(),
      items: new ItemMetaTable(),
      notes: [],
    };
  },
};
