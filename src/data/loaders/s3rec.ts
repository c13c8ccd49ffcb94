import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { joinAmazonProducts, readAmazonItemFile, readId2Item } from "./amazon-items.js";
import { peekLines } from "./csv.js";
import { DataFormatError } from "./errors.js";
import { parseIntId } from "./fields.js";
import { InteractionBuffer, ItemMetaTable, type RawDataset } from "./raw.js";
import { assertPresent, isDirectory, listDir, requireInteractions } from "./read-records.js";
import { countSkipped, pushSequence, REPEATED_IN_SEQUENCE } from "./sequence.js";
import type { DatasetLoader, LoaderOptions, SourceFiles } from "./spec.js";
import { forEachLine } from "./text-lines.js";

const SEQ_LINE = /^\d+(?:[ \t]+\d+)+[ \t]*$/;

/**
 * Whether a file's first lines look like S3-Rec sequences (`user item item ...`, integers separated
 * by spaces): line lengths vary, or (a .txt file) the leading user ids are consecutive.
 */
export function looksLikeSequenceFile(path: string): boolean {
  let lines: string[];
  try {
    lines = peekLines(path, 20);
  } catch {
    return false;
  }
  if (lines.length === 0 || !lines.every((l) => SEQ_LINE.test(l))) return false;
  const tokens = lines.map((l) => l.trim().split(/[ \t]+/));
  if (tokens.some((t) => t.length !== tokens[0].length)) return true;
  const users = tokens.map((t) => Number(t[0]));
  return (
    path.endsWith(".txt") && lines.length > 1 && users.every((u, k) => k === 0 || u === users[k - 1] + 1)
  );
}

/** The sequence file for `path`: the file itself, or the single `.txt` in a folder that looks like one. */
function sequencePath(path: string): { file: string | null; dir: string; candidates: string[] } {
  if (!isDirectory(path)) return { file: existsSync(path) ? path : null, dir: dirname(path), candidates: [] };
  const txt = listDir(path).filter((f) => f.endsWith(".txt") && looksLikeSequenceFile(join(path, f)));
  return { file: txt.length === 1 ? join(path, txt[0]) : null, dir: path, candidates: txt };
}

/** Item-text side files for `<stem>.txt`: P5's `<stem>_datamaps.json` and RecBole's `Amazon_<stem>.item`. */
function sideFiles(file: string): { map: string; item: string } {
  const dir = dirname(file);
  const stem = basename(file).replace(/\.txt$/, "");
  return { map: join(dir, `${stem}_datamaps.json`), item: join(dir, `Amazon_${stem}.item`) };
}

/**
 * S3-Rec sequence files (Beauty.txt, Sports_and_Outdoors.txt, Toys_and_Games.txt, Yelp.txt): one
 * line per user, `user item item ...`, items in time order. There are no timestamps: each
 * interaction's timestamp is its POSITION in the user's line (1, 2, 3, ...), so the leave-one-out
 * split (which sorts by timestamp) keeps the file's order. A repeated item within a line keeps only
 * its last occurrence; the dropped earlier ones are counted in `skipped` and the notes. When
 * `<stem>_datamaps.json` (P5: `id2item[k]` = ASIN) and `Amazon_<stem>.item` (RecBole atomic,
 * keyed by ASIN) sit beside the file, items get titles, categories, brand and price from them.
 */
export const s3recLoader: DatasetLoader = {
  format: "s3rec",
  description: "S3-Rec sequence file (user item item ..., one line per user, time order; Beauty item text)",
  detect: (entries) =>
    entries.some((e) => e.endsWith(".txt") && entries.includes(e.replace(/\.txt$/, "_item2attributes.json"))),
  detectFile: looksLikeSequenceFile,
  files(path: string): SourceFiles {
    const { file, candidates } = sequencePath(path);
    if (!file)
      return {
        read: [],
        missing: [
          candidates.length > 1
            ? `one sequence file (found ${candidates.join(", ")}: pass the file path)`
            : "<name>.txt (lines: user item item ...)",
        ],
      };
    const side = sideFiles(file);
    const read = [file];
    if (existsSync(side.map) && existsSync(side.item)) read.push(side.map, side.item);
    return { read, missing: [] };
  },
  async load(path: string, opts: LoaderOptions): Promise<RawDataset> {
    const files = this.files(path, opts);
    const { dir } = sequencePath(path);
    assertPresent(this.format, dir, files, false);
    const file = files.read[0];
    const name = basename(file).replace(/\.txt$/, "");
    const buf = new InteractionBuffer("implicit", true);
    const skipped: Record<string, number> = {};
    const seenUser = new Map<number, number>();
    let emptyUsers = 0;
    if (!opts.skipInteractions) {
      const items: number[] = [];
      await forEachLine(
        file,
        (line, lineNo) => {
          const text = line.trim();
          if (!text) return;
          const tokens = text.split(/[ \t]+/);
          const userId = parseIntId(tokens[0], file, lineNo, "token 1 (user)");
          const before = seenUser.get(userId);
          if (before !== undefined)
            throw new DataFormatError(
              { file, line: lineNo, field: "token 1 (user)" },
              `user already has a sequence on line ${before}`,
              tokens[0],
            );
          seenUser.set(userId, lineNo);
          if (tokens.length === 1) {
            emptyUsers++;
            return;
          }
          items.length = 0;
          for (let k = 1; k < tokens.length; k++)
            items.push(buf.items.intern(parseIntId(tokens[k], file, lineNo, `token ${k + 1} (item)`)));
          countSkipped(skipped, REPEATED_IN_SEQUENCE, pushSequence(buf, buf.users.intern(userId), items));
        },
        { encoding: opts.encoding },
      );
      requireInteractions(file, buf.length);
    }
    countSkipped(skipped, "user line without items", emptyUsers);
    const meta = new ItemMetaTable();
    const notes = [
      "timestamps are positions in each user's line (1, 2, ...), not seconds: time order = file order",
    ];
    if (files.read.length === 3) {
      const [, mapFile, itemFile] = files.read;
      const [id2item, products] = await Promise.all([
        readId2Item(mapFile),
        readAmazonItemFile(itemFile, opts.encoding),
      ]);
      const ids = buf.items.size ? buf.items.ids : [...id2item.keys()];
      notes.push(...joinAmazonProducts(ids, id2item, products, meta, { map: mapFile, item: itemFile }));
    } else {
      const side = sideFiles(file);
      notes.push(`no item text (${basename(side.map)} and ${basename(side.item)} not both present)`);
    }
    return {
      format: this.format,
      name: opts.name ?? name,
      source: file,
      interactions: buf.finish(),
      items: meta,
      notes,
      skipped,
    };
  },
};
