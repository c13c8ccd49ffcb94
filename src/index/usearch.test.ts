import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { ExactItemIndex } from "./exact.js";
import { UsearchItemIndex } from "./usearch.js";

const N = 3000;
const D = 16;
const root = mkdtempSync(join(tmpdir(), "reclens-usearch-"));
const dir = join(root, "index");
const rng = new Rng(11);
const items = new Matrix(N, D);
rng.fillNormal(items.data, 0, 1);
const bias = Float32Array.from({ length: N }, () => rng.uniform() - 0.5);
// A planted tie: item 2500 is a copy of item 100.
items.data.copyWithin(2500 * D, 100 * D, 101 * D);
bias[2500] = bias[100];
const queries = Array.from({ length: 20 }, () => {
  const q = new Float32Array(D);
  rng.fillNormal(q, 0, 1);
  return q;
});
const exact = new ExactItemIndex(items, bias);
let ann: UsearchItemIndex;

beforeAll(() => {
  ann = UsearchItemIndex.build(dir, items, bias);
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function recall(index: UsearchItemIndex): number {
  let hit = 0;
  for (const q of queries) {
    const truth = new Set(exact.topKSync(q, 20).items);
    for (const i of index.topKSync(q, 20).items) if (truth.has(i)) hit++;
  }
  return hit / (20 * queries.length);
}

describe("UsearchItemIndex (HNSW, inner product on [v, b])", () => {
  it("hand-computed scores, order and a tie on a 4-item catalogue", () => {
    // scores for q = (1, 2): item 0: 1 + 0 + 0.5 = 1.5; item 1: 0 + 2 - 0.5 = 1.5 (tie with 0);
    // item 2: 3 + 2 + 0 = 5; item 3: -1 - 2 + 0 = -3.
    const v = new Matrix(4, 2, Float32Array.of(1, 0, 0, 1, 3, 1, -1, -1));
    const b = Float32Array.of(0.5, -0.5, 0, 0);
    const small = UsearchItemIndex.build(join(root, "small"), v, b);
    const h = small.topKSync(Float32Array.of(1, 2), 4);
    expect(Array.from(h.items)).toEqual([2, 0, 1, 3]);
    expect(Array.from(h.scores)).toEqual([5, 1.5, 1.5, -3]);
    const ex = small.topKSync(Float32Array.of(1, 2), 2, [2]);
    expect(Array.from(ex.items)).toEqual([0, 1]);
  });

  it("recall@20 against the exact index >= 0.95 at the defaults, 1.0 with a beam over every item", () => {
    // Bound: HNSW (M 16, beam 64) on 3000 Gaussian 17-d vectors misses a true top-20 item only
    // when the greedy beam search leaves its neighbourhood unexplored; with 20 queries one miss
    // costs 1/400, so 0.95 tolerates 20 misses. With a beam
    // as wide as the catalogue the search visits every item reachable in the graph (all of
    // them: HNSW keeps the base layer connected), so recall is exactly 1.
    const r = recall(ann);
    expect(r).toBeGreaterThanOrEqual(0.95);
    const wide = UsearchItemIndex.open(dir, items, bias, { expansionSearch: N });
    expect(recall(wide)).toBe(1);
    expect(wide.expansionSearch).toBe(N);
  });

  it("scores equal the exact path's bit for bit, best first", () => {
    for (const q of queries) {
      const all = exact.scoreAll(q);
      const h = ann.topKSync(q, 20);
      expect(h.items.length).toBe(20);
      h.items.forEach((i, p) => expect(h.scores[p]).toBe(all[i]));
      for (let p = 1; p < h.scores.length; p++) expect(h.scores[p]).toBeLessThanOrEqual(h.scores[p - 1]);
    }
  });

  it("honours exclusions: the list without its first two items is the rest of the list", async () => {
    for (const q of queries.slice(0, 5)) {
      const all = await ann.topK(q, 22);
      const without = await ann.topK(q, 20, [all.items[0], all.items[1]]);
      expect(Array.from(without.items)).toEqual(Array.from(all.items.subarray(2, 22)));
    }
  });

  it("lists a planted tie (two identical items) side by side, lower id first", () => {
    const q = items.data.slice(100 * D, 101 * D); // maximises q . v over the copies of item 100
    const h = ann.topKSync(q, 5);
    const p = Array.from(h.items).indexOf(100);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(h.items[p + 1]).toBe(2500);
    expect(h.scores[p + 1]).toBe(h.scores[p]);
    expect(Array.from(exact.topKSync(q, 5).items)).toEqual(Array.from(h.items));
  });

  it("never lists an item whose vector is not finite, nor answers a NaN query", () => {
    const v = new Matrix(3, 2, Float32Array.of(1, 0, Number.NaN, 5, 0.5, 0));
    const small = UsearchItemIndex.build(join(root, "nan"), v, null);
    expect(Array.from(small.topKSync(Float32Array.of(1, 1), 3).items)).toEqual([0, 2]);
    expect(small.topKSync(Float32Array.of(Number.NaN, 1), 3).items.length).toBe(0);
  });

  it("refuses a directory without an index and an index built from other vectors", () => {
    expect(() => UsearchItemIndex.open(join(root, "nope"), items, bias)).toThrow(/no reclens item index/);
    const other = new Matrix(N, D, items.data.slice());
    other.data[7] += 1;
    expect(() => UsearchItemIndex.open(dir, other, bias)).toThrow(/built from other item vectors/);
    expect(() => UsearchItemIndex.open(dir, items, null)).toThrow(/rebuild it/);
  });

  it("a rebuild replaces the index file atomically and leaves one index file", () => {
    const again = UsearchItemIndex.build(dir, items, bias);
    const files = readdirSync(dir).filter((f) => f.endsWith(".usearch"));
    expect(files.length).toBe(1);
    expect(readdirSync(dir).some((f) => f.includes(".tmp-"))).toBe(false);
    // The older view still answers (its unlinked file stays mapped) and agrees with the new one.
    const q = queries[4];
    expect(Array.from(ann.topKSync(q, 20).items)).toEqual(Array.from(again.topKSync(q, 20).items));
    ann = again;
  });

  it("two processes viewing one index directory give identical answers", () => {
    writeFileSync(join(dir, "items.f32"), new Uint8Array(items.data.buffer));
    writeFileSync(join(dir, "bias.f32"), new Uint8Array(bias.buffer));
    const qPath = join(root, "queries.json");
    writeFileSync(qPath, JSON.stringify(queries.map((q) => Array.from(q))));
    const child = join(import.meta.dirname, "usearch-child.ts");
    expect(existsSync(child)).toBe(true);
    const run = (): string =>
      execFileSync(process.execPath, ["--import", "tsx", child, dir, qPath, String(D)], {
        encoding: "utf8",
        timeout: 60_000,
      });
    const [a, b] = [run(), run()];
    expect(a).toBe(b);
    const parsed = JSON.parse(a) as { items: number[]; scores: number[] }[];
    for (const t of [0, 3, 9]) {
      const mine = ann.topKSync(queries[t], 20, [0, 1]);
      expect(parsed[t].items).toEqual(Array.from(mine.items));
      expect(parsed[t].scores).toEqual(Array.from(mine.scores));
    }
  }, 120_000);
});
