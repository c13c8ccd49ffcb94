import { basename } from "node:path";
import { DataFormatError } from "./errors.js";
import { parseIntId, requireFields } from "./fields.js";
import { InteractionBuffer, ItemMetaTable, tagSkips, type RawDataset } from "./raw.js";
import {
  assertPresent,
  isIdField,
  pick,
  readNumericRecords,
  readInteractionFile,
  readRecords,
  sourceFiles,
} from "./read-records.js";
import type { DatasetLoader, LoaderOptions } from "./spec.js";

/** Multiplier packing (artist id, tag id) into one number; tag ids must stay below it. */
const TAG_KEY = 1 << 24;

/** True when the first field of a record is a column name rather than a number. */
function isHeader(f: string[]): boolean {
  return !/^\s*\d+\s*$/.test(f[0]);
}

/**
 * HetRec 2011 Last.FM 2K: user_artists.dat (userID, artistID, weight = play count; tab-separated
 * with a header), artists.dat (id, name, url, pictureURL), tags.dat (tagID, tagValue) and
 * user_taggedartists.dat (userID, artistID, tagID, day, month, year), aggregated into per-artist tag
 * counts. There are no listening timestamps.
 */
export const lastfmLoader: DatasetLoader = {
  format: "lastfm",
  description: "HetRec 2011 Last.FM 2K (user_artists.dat, artists.dat, tags.dat, user_taggedartists.dat)",
  detect: (entries) => entries.includes("user_artists.dat"),
  files: (dir) =>
    sourceFiles(dir, ["user_artists.dat"], ["artists.dat", "tags.dat", "user_taggedartists.dat"]),
  async load(dir: string, opts: LoaderOptions): Promise<RawDataset> {
    const files = this.files(dir, opts);
    assertPresent(this.format, dir, files, opts.skipInteractions);
    const fmt = { delim: "\t", encoding: opts.encoding };
    const buf = new InteractionBuffer("count", false);
    const ua = pick(files, "user_artists.dat");
    if (ua && !opts.skipInteractions) {
      await readInteractionFile(
        ua,
        fmt,
        {
          columns: ["userID", "artistID", "weight"],
          delimName: "tab-separated",
          skip: (f, line) => line === 1 && isHeader(f),
        },
        buf,
      );
    }
    const items = new ItemMetaTable();
    const notes: string[] = [];
    const artists = pick(files, "artists.dat");
    if (artists) {
      await readRecords(artists, fmt, (f, line, raw) => {
        if (line === 1 && isHeader(f)) return;
        requireFields(f, 2, artists, line, "2 to 4 tab-separated fields (id, name, url, pictureURL)", raw, 4);
        items.get(String(parseIntId(f[0], artists, line, "id"))).title = f[1].trim();
      });
    } else {
      notes.push("artists.dat absent: no artist names");
    }
    const tagNames = new Map<number, string>();
    const tagFile = pick(files, "tags.dat");
    if (tagFile) {
      await readRecords(tagFile, fmt, (f, line, raw) => {
        if (line === 1 && isHeader(f)) return;
        requireFields(f, 2, tagFile, line, "2 tab-separated fields (tagID, tagValue)", raw, 2);
        tagNames.set(parseIntId(f[0], tagFile, line, "tagID"), f[1]);
      });
    }
    const tagged = pick(files, "user_taggedartists.dat");
    if (tagged) {
      if (!tagFile) {
        notes.push("tags.dat absent: user_taggedartists.dat ignored (tag ids have no names)");
      } else {
        // count (artist, tag id) pairs numerically, then attach names once per pair
        const pairs = new Map<number, number>();
        const count = (artist: number, tagId: number, line: number, raw: string): void => {
          if (!tagNames.has(tagId)) {
            throw new DataFormatError(
              { file: tagged, line, field: "tagID" },
              "tag id not listed in tags.dat",
              raw,
            );
          }
          if (artist >= 2 ** 28) {
            throw new DataFormatError(
              { file: tagged, line, field: "artistID" },
              "artist id above 2^28",
              String(artist),
            );
          }
          const key = artist * TAG_KEY + tagId;
          pairs.set(key, (pairs.get(key) ?? 0) + 1);
        };
        await readNumericRecords(
          tagged,
          fmt,
          (v, line) => {
            if (v.count < 3 || v.count > 6 || !isIdField(v, 1) || !isIdField(v, 2) || v.values[2] >= TAG_KEY)
              return false;
            count(v.values[1], v.values[2], line, String(v.values[2]));
            return true;
          },
          (f, line, raw) => {
            if (line === 1 && isHeader(f)) return;
            requireFields(
              f,
              3,
              tagged,
              line,
              "3 to 6 tab-separated fields (userID, artistID, tagID, day, month, year)",
              raw,
              6,
            );
            const artist = parseIntId(f[1], tagged, line, "artistID");
            const tagId = parseIntId(f[2], tagged, line, "tagID");
            if (tagId >= TAG_KEY) {
              throw new DataFormatError(
                { file: tagged, line, field: "tagID" },
                `tag id above ${TAG_KEY - 1}`,
                f[2],
              );
            }
            count(artist, tagId, line, f[2]);
          },
        );
        for (const [key, n] of pairs) {
          const tagId = key % TAG_KEY;
          items.addTag(String((key - tagId) / TAG_KEY), tagNames.get(tagId) as string, n);
        }
      }
    }
    return {
      format: this.format,
      name: opts.name ?? basename(dir),
      source: dir,
      interactions: buf.finish(),
      items,
      notes,
      ...(items.blankTags ? { skipped: tagSkips(items) } : {}),
    };
  },
};
