import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { basename, dirname } from "node:path";
import { DataFormatError } from "./errors.js";
import { parseNumber, parseTimestamp, requireFields, splitDelimited } from "./fields.js";
import { InteractionBuffer, ItemMetaTable, type RawDataset, type ValueKind } from "./raw.js";
import { assertPresent, readRecords, requireInteractions } from "./read-records.js";
import type { ColumnRef, CsvColumnsOptions, EmptyTimePolicy } from "./options.js";
import type { DatasetLoader, LoaderOptions, SourceFiles } from "./spec.js";

export type { ColumnRef, CsvColumnsOptions, EmptyTimePolicy } from "./options.js";

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

/** Decodes the first 64 KiB of a file: UTF-8 byte-order mark dropped, UTF-8 or else latin-1. */
function peekText(path: string): string {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(1 << 16);
    const len = readSync(fd, buf, 0, buf.length, 0);
    let bytes = buf.subarray(0, len);
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    const utf8 = new TextDecoder("utf-8", { fatal: true });
    try {
      return utf8.decode(bytes);
    } catch {
      // a multi-byte character cut at the 64 KiB boundary (drop the partial last line), or latin-1
      try {
        return utf8.decode(bytes.subarray(0, Math.max(0, bytes.lastIndexOf(10))));
      } catch {
        return new TextDecoder("latin1").decode(bytes);
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The first `n` non-blank lines of a file (reads at most 64 KiB; BOM dropped, CRLF handled). */
export function peekLines(path: string, n: number): string[] {
  return peekText(path)
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l) => l.trim().length > 0)
    .slice(0, n);
}

/**
 * The first `n` non-blank records of a delimited file: like {@link peekLines}, but a line that leaves
 * a double-quoted field open continues on the next line (RFC 4180 multi-line fields).
 */
export function peekRecords(path: string, n: number): string[] {
  const out: string[] = [];
  let pending: string | null = null;
  for (const raw of peekText(path).split("\n")) {
    const line = raw.replace(/\r$/, "");
    const text: string = pending === null ? line : `${pending}\n${line}`;
    if (countQuotes(text) % 2 === 1) {
      pending = text;
      continue;
    }
    pending = null;
    if (text.trim().length > 0) out.push(text);
    if (out.length === n) break;
  }
  return out;
}

function countQuotes(s: string): number {
  let k = 0;
  for (let p = s.indexOf('"'); p >= 0; p = s.indexOf('"', p + 1)) k++;
  return k;
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
    const head = peekRecords(path, 2);
    if (head.length === 0) throw new DataFormatError({ file: path, line: 1 }, "file is empty");
    let delim: string;
    try {
      delim = o.delimiter ?? detectDelimiter(head);
    } catch (err) {
      throw new DataFormatError({ file: path, line: 1 }, (err as Error).message);
    }
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
    const policy: EmptyTimePolicy = o.emptyTime ?? "drop-timestamps";
    // errors name a column by its header name when there is a header, else by its role
    const label = (k: number, role: string): string => (c.header ? first[k].trim() || role : role);
    const [userName, itemName, ratingName, timeName] = [
      label(c.user, "user"),
      label(c.item, "item"),
      c.rating >= 0 ? label(c.rating, "rating") : "rating",
      c.timestamp >= 0 ? label(c.timestamp, "timestamp") : "timestamp",
    ];
    let emptyTimes = 0;
    let skippedRows = 0;
    let seenFirst = false;
    if (!opts.skipInteractions) {
      await readRecords(path, { delim, quoted: true, encoding: opts.encoding }, (f, line, raw) => {
        if (!seenFirst) {
          seenFirst = true;
          if (c.header) return;
        }
        // a row that stops right before an empty last (time) column counts as an empty time cell
        const timeMissing = c.timestamp === width - 1 && f.length === width - 1;
        if (!timeMissing)
          requireFields(
            f,
            width,
            path,
            line,
            `${width} ${sepName}-separated fields (${names.join(", ")})`,
            raw,
            // unused extra columns are fine, but no row may be wider than the first (the header)
            Math.max(width, first.length),
          );
        const u = f[c.user].trim();
        const i = f[c.item].trim();
        if (!u) throw new DataFormatError({ file: path, line, field: userName }, "empty user id", f[c.user]);
        if (!i) throw new DataFormatError({ file: path, line, field: itemName }, "empty item id", f[c.item]);
        let t = 0;
        if (c.timestamp >= 0) {
          const cell = timeMissing ? "" : f[c.timestamp];
          if (cell.trim() === "") {
            if (policy === "error")
              throw new DataFormatError(
                { file: path, line, field: timeName },
                'empty timestamp (emptyTime policy "error"; use "drop-timestamps" or "skip-rows")',
                cell,
              );
            emptyTimes++;
            if (policy === "skip-rows") {
              skippedRows++;
              return;
            }
            t = NaN;
          } else {
            t = parseTimestamp(cell, path, line, timeName);
          }
        }
        const v = c.rating >= 0 ? parseNumber(f[c.rating], path, line, ratingName) : 1;
        buf.push(buf.users.intern(u), buf.items.intern(i), v, t);
      });
      if (buf.length === 0 && skippedRows === 0) requireInteractions(path, 0);
    }
    const name = opts.name ?? basename(path).replace(/\.[^.]+$/, "");
    const notes: string[] = [];
    const skipped: Record<string, number> = {};
    let interactions = buf.finish();
    if (emptyTimes && policy === "skip-rows") {
      skipped[`row with an empty timestamp cell ("${timeName}")`] = skippedRows;
      notes.push(
        `${skippedRows} rows with an empty "${timeName}" cell skipped (emptyTime policy "skip-rows")`,
      );
    } else if (emptyTimes) {
      interactions = { ...interactions, time: null };
      skipped[`empty timestamp cell ("${timeName}"): all timestamps dropped, rows kept`] = emptyTimes;
      notes.push(
        `${emptyTimes} rows have an empty "${timeName}" cell: the dataset has NO timestamps (not time-ordered); ` +
          `use emptyTime "skip-rows" (--empty-time skip-rows) to keep timestamps and drop those rows`,
      );
    }
    return {
      format: this.format,
      name,
      source: path,
      interactions,
      items: new ItemMetaTable(),
      notes,
      ...(Object.keys(skipped).length ? { skipped } : {}),
    };
  },
};
