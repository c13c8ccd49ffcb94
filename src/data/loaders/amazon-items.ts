import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { DataFormatError } from "./errors.js";
import { parseNumber, requireFields } from "./fields.js";
import type { ItemMetaTable } from "./raw.js";
import { readRecords } from "./read-records.js";
import { parseRecboleHeader } from "./recbole.js";
import type { TextEncoding } from "./text-lines.js";

/** One product of a RecBole Amazon `.item` file (fields title, sales_type, sales_rank, categories, price, brand). */
export interface AmazonProduct {
  title: string;
  categories: string[];
  brand: string;
  /** NaN when the cell is empty. */
  price: number;
  salesRank: number;
}

const ENTITIES: Record<string, string> = { amp: "&", quot: '"', apos: "'", lt: "<", gt: ">", nbsp: " " };

/** Decodes HTML character references (`&#39;`, `&#x27;`, `&amp;`, ...) as found in Amazon titles and brands. */
export function decodeHtmlEntities(s: string): string {
  if (s.indexOf("&") < 0) return s;
  return s.replace(/&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]+);/g, (m, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : Number(body.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[body.toLowerCase()] ?? m;
  });
}

/**
 * Parses a Python-style list of string literals as RecBole Amazon files store categories, e.g.
 * `'Beauty', 'Fragrance', "Women's", 'Eau de Parfum'` (brackets optional, backslash escapes
 * honoured, unquoted items taken as they are). Throws naming the location on an unterminated quote.
 */
export function parsePythonList(text: string, file: string, line: number, field: string): string[] {
  let s = text.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const out: string[] = [];
  let p = 0;
  const n = s.length;
  while (p < n) {
    const c = s[p];
    if (c === "," || c === " " || c === "\t") {
      p++;
      continue;
    }
    if (c === "'" || c === '"') {
      let v = "";
      let q = p + 1;
      for (;;) {
        if (q >= n)
          throw new DataFormatError({ file, line, field }, `unterminated ${c}-quoted list item`, text);
        const ch = s[q];
        if (ch === "\\" && q + 1 < n) {
          v += s[q + 1];
          q += 2;
          continue;
        }
        if (ch === c) break;
        v += ch;
        q++;
      }
      out.push(v);
      p = q + 1;
    } else {
      const next = s.indexOf(",", p);
      const end = next < 0 ? n : next;
      out.push(s.slice(p, end).trim());
      p = end;
    }
  }
  return out.filter((x) => x.length > 0);
}

/**
 * Reads a RecBole Amazon item file (`Amazon_Beauty.item`): tab-separated with a `name:type` header,
 * CSV-style double quotes (a quoted title may hold tabs or a newline, `""` is a literal quote).
 * Returns the products keyed by ASIN (`item_id`). Bad rows throw naming file, line, field and value.
 */
export async function readAmazonItemFile(
  file: string,
  encoding?: TextEncoding,
): Promise<Map<string, AmazonProduct>> {
  const out = new Map<string, AmazonProduct>();
  let names: string[] = [];
  const col: Record<string, number> = {};
  await readRecords(file, { delim: "\t", quoted: true, encoding }, (f, line, raw) => {
    if (names.length === 0) {
      names = parseRecboleHeader(f, file).map((x) => x.name);
      for (const k of ["item_id", "title", "categories", "price", "brand", "sales_rank"])
        col[k] = names.indexOf(k);
      if (col.item_id < 0)
        throw new DataFormatError({ file, line, field: "item_id" }, "header has no item_id column", raw);
      return;
    }
    requireFields(
      f,
      names.length,
      file,
      line,
      `${names.length} tab-separated fields (${names.join(", ")})`,
      raw,
    );
    if (f.length > names.length)
      throw new DataFormatError(
        { file, line, field: names[names.length - 1] },
        `expected ${names.length} tab-separated fields, found ${f.length} (an unquoted tab inside a field?)`,
        raw,
      );
    const asin = f[col.item_id].trim();
    if (!asin) throw new DataFormatError({ file, line, field: "item_id" }, "empty item id", f[col.item_id]);
    if (out.has(asin)) throw new DataFormatError({ file, line, field: "item_id" }, "item listed twice", asin);
    const cell = (k: string): string => (col[k] >= 0 ? f[col[k]].trim() : "");
    const num = (k: string): number => (cell(k) ? parseNumber(cell(k), file, line, k) : NaN);
    out.set(asin, {
      // tabs and newlines inside quoted titles become single spaces
      title: decodeHtmlEntities(cell("title").replace(/\s+/g, " ")),
      categories: cell("categories") ? parsePythonList(cell("categories"), file, line, "categories") : [],
      brand: decodeHtmlEntities(cell("brand")),
      price: num("price"),
      salesRank: num("sales_rank"),
    });
  });
  return out;
}

/** Reads P5's `<name>_datamaps.json` and returns `id2item` (S3-Rec item id -> ASIN). */
export async function readId2Item(file: string): Promise<Map<string, string>> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new DataFormatError({ file, line: 0 }, `not valid JSON (${(e as Error).message})`);
  }
  const map = (data as { id2item?: unknown } | null)?.id2item;
  if (!map || typeof map !== "object" || Array.isArray(map))
    throw new DataFormatError(
      { file, line: 0, field: "id2item" },
      "expected an object mapping item ids to ASINs",
    );
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
    if (typeof v !== "string")
      throw new DataFormatError(
        { file, line: 0, field: `id2item["${k}"]` },
        "expected an ASIN string",
        String(v),
      );
    out.set(k, v);
  }
  return out;
}

/**
 * Joins S3-Rec item ids -> ASIN (`id2item`) -> product rows into `items`: title, categories
 * (family "category"), brand (family "brand") and price (numeric attribute "price"). Category
 * values present on every joined item (the store root, e.g. "Beauty") are left out, as they carry
 * no information. Returns notes (with counts) about items that could not be joined.
 */
export function joinAmazonProducts(
  itemIds: readonly string[],
  id2item: Map<string, string>,
  products: Map<string, AmazonProduct>,
  items: ItemMetaTable,
  files: { map: string; item: string },
): string[] {
  const notes: string[] = [];
  let noAsin = 0;
  let noRow = 0;
  let joined = 0;
  const joinedProducts: [string, AmazonProduct][] = [];
  for (const id of itemIds) {
    const asin = id2item.get(id);
    if (asin === undefined) {
      noAsin++;
      continue;
    }
    const p = products.get(asin);
    if (!p) {
      noRow++;
      continue;
    }
    joined++;
    joinedProducts.push([id, p]);
  }
  const onAll = new Map<string, number>();
  for (const [, p] of joinedProducts)
    for (const c of new Set(p.categories)) onAll.set(c, (onAll.get(c) ?? 0) + 1);
  const everywhere = new Set([...onAll].filter(([, n]) => n === joined && joined > 1).map(([c]) => c));
  let untitled = 0;
  for (const [id, p] of joinedProducts) {
    const m = items.get(id);
    if (p.title) m.title = p.title;
    else untitled++;
    const families: Record<string, string[]> = {};
    const cats = [...new Set(p.categories)].filter((c) => !everywhere.has(c));
    if (cats.length) families.category = cats;
    if (p.brand) families.brand = [p.brand];
    if (Object.keys(families).length) m.families = families;
    if (Number.isFinite(p.price)) m.numbers = { price: p.price };
  }
  const mapName = basename(files.map);
  const itemName = basename(files.item);
  notes.push(
    `item text from ${mapName} + ${itemName}: ${joined.toLocaleString("en-US")} of ${itemIds.length.toLocaleString("en-US")} items joined` +
      (untitled ? ` (${untitled} with an empty title)` : ""),
  );
  if (everywhere.size)
    notes.push(`category ${[...everywhere].map((c) => `"${c}"`).join(", ")} is on every item: not a concept`);
  if (noAsin) notes.push(`${noAsin} items have no ASIN in ${mapName}: no text for them`);
  if (noRow) notes.push(`${noRow} items' ASINs have no row in ${itemName}: no text for them`);
  return notes;
}
