import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalId, fuzzParams, fuzzTimeout, mutationsArb, Scratch, tuples } from "../test-utils/fuzz.js";
import { runLoaderCase, type CaseFiles } from "../test-utils/fuzz-loader.js";
import { lcrecLoader } from "./lcrec.js";
import type { RawDataset } from "./raw.js";
import { s3recLoader } from "./s3rec.js";
import { REPEATED_IN_SEQUENCE } from "./sequence.js";

/**
 * Fuzz tests of the sequence readers (S3-Rec text, LC-Rec JSON): a load of a mutated file must fail
 * with a documented error, or return exactly the sequences the test reads itself: the last
 * occurrence of each item at its 1-based position, and every dropped repeat counted in `skipped`.
 */

const RUNS = 300;
const scratch = new Scratch();

/** Expected tuples and dropped repeats for sequences (user, items in order). */
function expectSequences(seqs: [string | null, (string | null)[]][]): {
  t: [string | null, string | null, number, number][];
  repeats: number;
  empty: number;
} {
  const t: [string | null, string | null, number, number][] = [];
  let repeats = 0;
  let empty = 0;
  for (const [user, items] of seqs) {
    if (items.length === 0) empty++;
    items.forEach((item, p) => {
      if (items.lastIndexOf(item) !== p) repeats++;
      else t.push([user, item, 1, p + 1]);
    });
  }
  return { t, repeats, empty };
}

describe("S3-Rec sequence loader under fuzzing", () => {
  const base = { "Seq.txt": "1 9 3 7 5\n2 5 9\n3 3\n4 4 6 4 8 6\n" };
  const check = (raw: RawDataset, { lines }: CaseFiles): void => {
    const seqs = lines["Seq.txt"]
      .filter((l) => l.trim() !== "")
      .map((l): [string | null, (string | null)[]] => {
        const tokens = l.trim().split(/[ \t]+/);
        return [canonicalId(tokens[0]), tokens.slice(1).map(canonicalId)];
      });
    expect(new Set(seqs.map((s) => s[0])).size, "a repeated user was accepted").toBe(seqs.length);
    const { t, repeats, empty } = expectSequences(seqs);
    expect(t.length, "a file without interactions was accepted").toBeGreaterThan(0);
    expect(tuples(raw.interactions)).toEqual(t);
    expect(raw.skipped?.[REPEATED_IN_SEQUENCE] ?? 0).toBe(repeats);
    expect(raw.skipped?.["user line without items"] ?? 0).toBe(empty);
  };
  it(
    "fails cleanly or reads exactly the sequences of the mutated text",
    async () => {
      await fc.assert(
        fc.asyncProperty(mutationsArb(), async (mutations) =>
          runLoaderCase({
            scratch,
            base,
            target: "Seq.txt",
            mutations,
            delim: " ",
            load: (d) => s3recLoader.load(join(d, "Seq.txt"), {}),
            check,
          }),
        ),
        fuzzParams(RUNS),
      );
    },
    fuzzTimeout(RUNS),
  );
});

describe("LC-Rec JSON loader under fuzzing", () => {
  const base = {
    "Sci.inter.json": JSON.stringify({ "0": [2, 0, 1], "1": [1, 2, 1, 0], "7": [], "9": [3] }, null, 1),
    "Sci.item.json": JSON.stringify(
      {
        "0": { title: "Kit", description: "Relay  kit.", brand: "Supco", categories: "Sci,Electrical" },
        "1": { title: "Staples", brand: "Stanley", categories: "Sci,Fasteners" },
        "2": { title: "Brush &amp; co", categories: "Sci,Abrasives" },
      },
      null,
      1,
    ),
  };
  const check = (raw: RawDataset, { bytes }: CaseFiles): void => {
    // the reader decodes UTF-8 (bad bytes become U+FFFD) and parses JSON; so does the test
    const inter = JSON.parse(bytes["Sci.inter.json"].toString("utf8")) as Record<string, number[]>;
    const seqs = Object.entries(inter).map(([u, list]): [string, string[]] => [
      u,
      list.map((x) => String(x)),
    ]);
    const { t, repeats, empty } = expectSequences(seqs);
    expect(t.length, "a file without interactions was accepted").toBeGreaterThan(0);
    expect(tuples(raw.interactions)).toEqual(t);
    expect(raw.skipped?.[REPEATED_IN_SEQUENCE] ?? 0).toBe(repeats);
    expect(raw.skipped?.["user without items"] ?? 0).toBe(empty);
    const items = JSON.parse(bytes["Sci.item.json"].toString("utf8")) as Record<string, unknown>;
    expect(new Set(raw.items.byId.keys())).toEqual(new Set(Object.keys(items)));
  };
  it(
    "fails cleanly or reads exactly the sequences and items of the mutated JSON",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("Sci.inter.json", "Sci.inter.json", "Sci.item.json"),
          mutationsArb(),
          async (target, mutations) =>
            runLoaderCase({
              scratch,
              base,
              target,
              mutations,
              delim: ",",
              load: (d) => lcrecLoader.load(d, {}),
              check,
            }),
        ),
        fuzzParams(RUNS),
      );
    },
    fuzzTimeout(RUNS),
  );
});
