import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DataFormatError } from "./errors.js";
import { parseNumber, requireFields } from "./fields.js";
import { InteractionBuffer, ItemMetaTable, tagSkips, type RawDataset, type ValueKind } from "./raw.js";
import { assertPresent, isDirectory, listDir, readRecords, requireInteractions } from "./read-records.js";
import type { DatasetLoader, LoaderOptions, SourceFiles } from "./spec.js";

/** The column types of RecBole atomic files. */
export type RecboleType = "token" | "token_seq" | "float" | "float_seq";
const TYPES: readonly RecboleType[] = ["token", "token_seq", "float", "float_seq"];

/** One `name:type` header field. */
export interface RecboleField {
  readonly name: string;
  readonly type: RecboleType;
}

export type { RecboleOptions } from "./options.js";

/** Parses a RecBole header line; throws naming the file and field for a missing or unknown type. */
export function parseRecboleHeader(fields: string[], file: string): RecboleField[] {
  return fields.map((raw, k) => {
    const c = raw.lastIndexOf(":");
    if (c <= 0)
      throw new DataFormatError(
        { file, line: 1, field: `column ${k + 1}` },
        "header field must be name:type",
        raw,
      );
    const name = raw.slice(0, c).trim();
    const type = raw.slice(c + 1).trim();
    if (!(TYPES as readonly string[]).includes(type)) {
      throw new DataFormatError(
        { file, line: 1, field: name },
        `unknown RecBole type (expected ${TYPES.join(", ")})`,
        type,
      );
    }
    return { name, type: type as RecboleType };
  });
}

function findField(
  fields: RecboleField[],
  wanted: string | undefined,
  conventional: string[],
  file: string,
  role: string,
): number {
  if (wanted !== undefined) {
    const k = fields.findIndex((f) => f.name === wanted);
    if (k < 0)
      throw new DataFormatError(
        { file, line: 1, field: wanted },
        `no such column for the ${role} (columns: ${fields.map((f) => f.name).join(", ")})`,
      );
    return k;
  }
  for (const name of conventional) {
    const k = fields.findIndex((f) => f.name === name);
    if (k >= 0) return k;
  }
  return -1;
}

/** Resolves a directory (holding one .inter file, or `<dir name>.inter`) or an .inter path to the .inter file. */
function interPath(path: string): { inter: string | null; dir: string; candidates: string[] } {
  if (!isDirectory(path))
    return { inter: existsSync(path) ? path : null, dir: dirname(path), candidates: [] };
  const inters = listDir(path).filter((f) => f.endsWith(".inter"));
  const own = `${basename(path)}.inter`;
  const chosen = inters.length === 1 ? inters[0] : inters.includes(own) ? own : null;
  return { inter: chosen ? join(path, chosen) : null, dir: path, candidates: inters };
}

/**
 * RecBole atomic files: `<name>.inter` (required) and `<name>.item` (optional), tab-separated with
 * `name:type` headers (types token, token_seq, float, float_seq; sequences space-separated). Item
 * metadata: title from movie_title/title/name, year from release_year/year, genres from
 * class/genre/genres, tags from tags/tag.
 */
export const recboleLoader: DatasetLoader = {
  format: "recbole",
  description: "RecBole atomic files (<name>.inter, <name>.item with name:type headers)",
  detect: (entries) => entries.some((e) => e.endsWith(".inter")),
  files(path: string): SourceFiles {
    const { inter, candidates } = interPath(path);
    if (!inter)
      return {
        read: [],
        missing: [
          candidates.length > 1 ? `one .inter file (found ${candidates.join(", ")})` : "<name>.inter",
        ],
      };
    const item = inter.replace(/\.inter$/, ".item");
    return { read: existsSync(item) ? [inter, item] : [inter], missing: [] };
  },
  async load(path: string, opts: LoaderOptions): Promise<RawDataset> {
    const files = this.files(path, opts);
    const { dir } = interPath(path);
    assertPresent(this.format, dir, files, false);
    const inter = files.read[0];
    const o = opts.recbole ?? {};
    const fmt = { delim: "\t", encoding: opts.encoding };
    let fields: RecboleField[] = [];
    let cu = -1,
      ci = -1,
      cv = -1,
      ct = -1;
    let buf = new InteractionBuffer("implicit", false);
    if (!opts.skipInteractions) {
      await readRecords(inter, fmt, (f, line, raw) => {
        if (line === 1) {
          fields = parseRecboleHeader(f, inter);
          cu = findField(fields, o.userField, ["user_id"], inter, "user id");
          if (cu < 0) cu = fields.findIndex((x) => x.type === "token" && x.name.includes("user"));
          ci = findField(fields, o.itemField, ["item_id"], inter, "item id");
          if (ci < 0)
            ci = fields.findIndex((x, k) => k !== cu && x.type === "token" && /item|_id$/.test(x.name));
          if (cu < 0 || ci < 0) {
            throw new DataFormatError(
              { file: inter, line: 1 },
              "cannot tell the user and item columns apart: pass recbole.userField / itemField",
              raw,
            );
          }
          cv =
            o.valueField === null
              ? -1
              : findField(
                  fields,
                  o.valueField ?? undefined,
                  ["rating", "weight", "play_count", "count", "score"],
                  inter,
                  "value",
                );
          ct =
            o.timeField === null
              ? -1
              : findField(fields, o.timeField ?? undefined, ["timestamp", "time"], inter, "timestamp");
          for (const k of [cv, ct]) {
            if (k >= 0 && fields[k].type !== "float")
              throw new DataFormatError(
                { file: inter, line: 1, field: fields[k].name },
                "value and timestamp columns must have type float",
                fields[k].type,
              );
          }
          const kind: ValueKind =
            o.valueKind ?? (cv < 0 ? "implicit" : fields[cv].name === "rating" ? "rating" : "count");
          buf = new InteractionBuffer(kind, ct >= 0);
          return;
        }
        if (!fields.length) throw noHeader(inter, line, raw);
        requireFields(
          f,
          fields.length,
          inter,
          line,
          `${fields.length} tab-separated fields (${fields.map((x) => x.name).join(", ")})`,
          raw,
          fields.length,
        );
        const u = f[cu].trim();
        const i = f[ci].trim();
        if (!u)
          throw new DataFormatError({ file: inter, line, field: fields[cu].name }, "empty user id", f[cu]);
        if (!i)
          throw new DataFormatError({ file: inter, line, field: fields[ci].name }, "empty item id", f[ci]);
        const v = cv >= 0 ? parseNumber(f[cv], inter, line, fields[cv].name) : 1;
        const t = ct >= 0 ? parseNumber(f[ct], inter, line, fields[ct].name) : 0;
        buf.push(buf.users.intern(u), buf.items.intern(i), v, t);
      });
      requireInteractions(inter, buf.length);
    }
    const items = new ItemMetaTable();
    const itemFile = files.read[1];
    if (itemFile) await readItemFile(itemFile, fmt, items);
    const name = opts.name ?? basename(inter).replace(/\.inter$/, "");
    return {
      format: this.format,
      name,
      source: path,
      interactions: buf.finish(),
      items,
      notes: itemFile ? [] : ["no .item file: no item metadata"],
      ...(items.blankTags ? { skipped: tagSkips(items) } : {}),
    };
  },
};

async function readItemFile(
  file: string,
  fmt: { delim: string; encoding?: LoaderOptions["encoding"] },
  items: ItemMetaTable,
): Promise<void> {
  let fields: RecboleField[] = [];
  let cid = -1,
    ctitle = -1,
    cyear = -1,
    cgenre = -1,
    ctag = -1;
  await readRecords(file, fmt, (f, line, raw) => {
    if (line === 1) {
      fields = parseRecboleHeader(f, file);
      cid = findField(fields, undefined, ["item_id"], file, "item id");
      if (cid < 0) cid = fields.findIndex((x) => x.type === "token");
      if (cid < 0)
        throw new DataFormatError(
          { file, line: 1 },
          "no item id column (item_id, or any column of type token)",
          raw,
        );
      ctitle = findField(
        fields,
        undefined,
        ["movie_title", "title", "name", "item_name", "artist_name"],
        file,
        "title",
      );
      cyear = findField(fields, undefined, ["release_year", "year"], file, "year");
      cgenre = findField(fields, undefined, ["class", "genre", "genres", "categories"], file, "genre");
      ctag = findField(fields, undefined, ["tags", "tag"], file, "tags");
      return;
    }
    if (!fields.length) throw noHeader(file, line, raw);
    requireFields(
      f,
      fields.length,
      file,
      line,
      `${fields.length} tab-separated fields (${fields.map((x) => x.name).join(", ")})`,
      raw,
      fields.length,
    );
    const id = f[cid].trim();
    if (!id) throw new DataFormatError({ file, line, field: fields[cid].name }, "empty item id", f[cid]);
    const m = items.get(id);
    for (let k = 0; k < fields.length; k++) {
      if (fields[k].type === "float") parseNumber(f[k], file, line, fields[k].name);
      if (fields[k].type === "float_seq")
        for (const x of splitSeq(f[k])) parseNumber(x, file, line, fields[k].name);
    }
    if (ctitle >= 0) m.title = f[ctitle].trim();
    if (cyear >= 0) {
      const y = Number(f[cyear].trim());
      if (Number.isInteger(y) && y > 1000 && y < 3000) m.year = y;
    }
    if (cgenre >= 0) m.genres = splitSeq(f[cgenre]);
    if (ctag >= 0) for (const t of splitSeq(f[ctag])) items.addTag(id, t);
  });
}

/** The first record is not on line 1 (the file starts with a blank line): there is no header. */
function noHeader(file: string, line: number, raw: string): DataFormatError {
  return new DataFormatError(
    { file, line },
    "expected the name:type header on line 1 (the file starts with a blank line)",
    raw,
  );
}

function splitSeq(s: string): string[] {
  const t = s.trim();
  return t ? t.split(/ +/) : [];
}
