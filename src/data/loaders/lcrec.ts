import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { DataFormatError } from "./errors.js";
import { decodeHtmlEntities } from "./amazon-items.js";
import { InteractionBuffer, ItemMetaTable, type RawDataset } from "./raw.js";
import { assertPresent, isDirectory, listDir, requireInteractions } from "./read-records.js";
import { countSkipped, pushSequence, REPEATED_IN_SEQUENCE } from "./sequence.js";
import type { DatasetLoader, LoaderOptions, SourceFiles } from "./spec.js";

/** `<stem>.inter.json` and `<stem>.item.json` for a folder (one pair) or an .inter.json path. */
function lcrecFiles(path: string): {
  inter: string | null;
  item: string | null;
  dir: string;
  found: string[];
} {
  let inter: string | null = null;
  let dir = path;
  let found: string[] = [];
  if (isDirectory(path)) {
    found = listDir(path).filter((f) => f.endsWith(".inter.json"));
    if (found.length === 1) inter = join(path, found[0]);
  } else {
    dir = dirname(path);
    if (existsSync(path)) inter = path;
  }
  const item = inter ? inter.replace(/\.inter\.json$/, ".item.json") : null;
  return { inter, item: item && existsSync(item) ? item : null, dir, found };
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new DataFormatError({ file, line: 0 }, `not valid JSON (${(e as Error).message})`);
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === "object" && !Array.isArray(x);
}

/** An optional string field of an item record; throws naming the item and field when it is not a string. */
function text(rec: Record<string, unknown>, key: string, file: string, id: string): string {
  const v = rec[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string")
    throw new DataFormatError(
      { file, line: 0, field: `item "${id}".${key}` },
      "expected a string",
      JSON.stringify(v),
    );
  return decodeHtmlEntities(v.replace(/\s+/g, " ").trim());
}

/**
 * LC-Rec-style JSON (e.g. Amazon 2018 Scientific): `<stem>.inter.json` = `{"user": [item, ...]}`
 * (0-based ids, items in time order) and `<stem>.item.json` = `{"item": {"title", "description",
 * "brand", "categories"}}` (categories comma-separated). Timestamps are positions in each user's
 * list (1, 2, ...), so leave-one-out keeps the file's order; a repeated item keeps only its last
 * occurrence (counted and reported). Items get title, description, brand (family "brand") and
 * categories (family "category").
 */
export const lcrecLoader: DatasetLoader = {
  format: "lcrec",
  description: "LC-Rec JSON (<name>.inter.json user -> item list in time order, <name>.item.json item text)",
  detect: (entries) =>
    entries.some(
      (e) => e.endsWith(".inter.json") && entries.includes(e.replace(/\.inter\.json$/, ".item.json")),
    ),
  detectFile: (path) => path.endsWith(".inter.json"),
  files(path: string): SourceFiles {
    const f = lcrecFiles(path);
    if (!f.inter)
      return {
        read: [],
        missing: [f.found.length > 1 ? `one .inter.json (found ${f.found.join(", ")})` : "<name>.inter.json"],
      };
    return { read: f.item ? [f.inter, f.item] : [f.inter], missing: [] };
  },
  async load(path: string, opts: LoaderOptions): Promise<RawDataset> {
    const files = this.files(path, opts);
    const f = lcrecFiles(path);
    assertPresent(this.format, f.dir, files, false);
    const inter = files.read[0];
    const buf = new InteractionBuffer("implicit", true);
    const skipped: Record<string, number> = {};
    if (!opts.skipInteractions) {
      const data = await readJson(inter);
      if (!isRecord(data))
        throw new DataFormatError(
          { file: inter, line: 0 },
          "expected an object mapping user ids to item lists",
        );
      const items: number[] = [];
      let empty = 0;
      for (const [user, list] of Object.entries(data)) {
        if (!Array.isArray(list))
          throw new DataFormatError(
            { file: inter, line: 0, field: `user "${user}"` },
            "expected a list of item ids",
            JSON.stringify(list),
          );
        if (list.length === 0) {
          empty++;
          continue;
        }
        items.length = 0;
        list.forEach((x, k) => {
          if (typeof x !== "number" || !Number.isInteger(x) || x < 0)
            throw new DataFormatError(
              { file: inter, line: 0, field: `user "${user}", position ${k + 1}` },
              "expected a non-negative integer item id",
              JSON.stringify(x),
            );
          items.push(buf.items.intern(x));
        });
        countSkipped(skipped, REPEATED_IN_SEQUENCE, pushSequence(buf, buf.users.intern(user), items));
      }
      countSkipped(skipped, "user without items", empty);
      requireInteractions(inter, buf.length);
    }
    const meta = new ItemMetaTable();
    const notes = [
      "timestamps are positions in each user's list (1, 2, ...), not seconds: time order = file order",
    ];
    const itemFile = files.read[1];
    if (itemFile) {
      const data = await readJson(itemFile);
      if (!isRecord(data))
        throw new DataFormatError(
          { file: itemFile, line: 0 },
          "expected an object mapping item ids to records",
        );
      for (const [id, rec] of Object.entries(data)) {
        if (!isRecord(rec))
          throw new DataFormatError(
            { file: itemFile, line: 0, field: `item "${id}"` },
            "expected an object",
            JSON.stringify(rec),
          );
        const m = meta.get(id);
        const title = text(rec, "title", itemFile, id);
        if (title) m.title = title;
        const description = text(rec, "description", itemFile, id);
        if (description) m.description = description;
        const families: Record<string, string[]> = {};
        const brand = text(rec, "brand", itemFile, id);
        if (brand) families.brand = [brand];
        const cats = text(rec, "categories", itemFile, id)
          .split(",")
          .map((c) => c.trim())
          .filter(Boolean);
        if (cats.length) families.category = [...new Set(cats)];
        if (Object.keys(families).length) m.families = families;
      }
      const root = commonRoot(meta);
      if (root) {
        for (const m of meta.byId.values())
          if (m.families?.category) m.families.category = m.families.category.filter((c) => c !== root);
        notes.push(`category "${root}" is on every item: not a concept`);
      }
    } else {
      notes.push(`${basename(inter).replace(/\.inter\.json$/, ".item.json")} absent: no item text`);
    }
    return {
      format: this.format,
      name: opts.name ?? basename(inter).replace(/\.inter\.json$/, ""),
      source: isDirectory(path) ? path : inter,
      interactions: buf.finish(),
      items: meta,
      notes,
      skipped,
    };
  },
};

/** A category every item with categories carries (the store root, e.g. "Industrial & Scientific"), if any. */
function commonRoot(meta: ItemMetaTable): string | null {
  const metas = [...meta.byId.values()].filter((m) => m.families?.category?.length);
  if (metas.length < 2) return null;
  const first = metas[0].families?.category ?? [];
  for (const c of first) if (metas.every((m) => m.families?.category?.includes(c))) return c;
  return null;
}
