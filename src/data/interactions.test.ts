import { describe, expect, it } from "vitest";
import { compareIds, processInteractions, sortByUserItem } from "./interactions.js";
import { InteractionBuffer, type RawInteractions, type ValueKind } from "./loaders/raw.js";
import { resolveProcessOptions, type ProcessOptionsInput } from "./options.js";

function raw(kind: ValueKind, rows: [string, string, number, number?][]): RawInteractions {
  const b = new InteractionBuffer(
    kind,
    rows.some((r) => r[3] !== undefined),
  );
  for (const [u, i, v, t] of rows) b.push(b.users.intern(u), b.items.intern(i), v, t ?? 0);
  return b.finish();
}

function dense(p: ReturnType<typeof processInteractions>): number[][] {
  return Array.from(p.matrix.toDense().data).reduce<number[][]>((acc, x, k) => {
    if (k % p.matrix.cols === 0) acc.push([]);
    acc[acc.length - 1].push(x);
    return acc;
  }, []);
}

const run = (r: RawInteractions, o: ProcessOptionsInput = {}) =>
  processInteractions(r, resolveProcessOptions(o));

describe("processInteractions", () => {
  const ratings = raw("rating", [
    ["1", "10", 5, 100],
    ["1", "20", 3, 101],
    ["1", "10", 2, 50], // older duplicate: the later 5 stands
    ["2", "10", 4, 102],
    ["2", "30", 4, 103],
    ["2", "30", 1, 200], // later duplicate: 1 replaces 4, then fails the threshold
    ["3", "20", 4.5, 104],
  ]);

  it("merges duplicates (latest rating wins), binarises at >= 4 and aligns timestamps", () => {
    const p = run(ratings);
    expect(p.users).toEqual(["1", "2", "3"]);
    expect(p.items).toEqual(["10", "20"]);
    expect(dense(p)).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    expect(Array.from(p.timestamps ?? [])).toEqual([100, 102, 104]);
    expect(p.report.duplicatesMerged).toBe(2);
    expect(p.report.raw).toEqual({ users: 3, items: 3, interactions: 7 });
    expect(p.report.binarised).toEqual({ users: 3, items: 2, interactions: 3 });
    expect(p.report.final).toEqual({ users: 3, items: 2, interactions: 3 });
  });

  it("keeps rating values on request and honours another threshold", () => {
    const p = run(ratings, { keepValues: true, ratingThreshold: 3 });
    expect(p.items).toEqual(["10", "20"]);
    expect(dense(p)).toEqual([
      [5, 3],
      [4, 0],
      [0, 4.5],
    ]);
    expect(Array.from(p.timestamps ?? [])).toEqual([100, 101, 102, 104]);
  });

  it("sums repeated play counts and keeps counts > 0", () => {
    const p = run(
      raw("count", [
        ["a", "x", 3],
        ["a", "x", 4],
        ["b", "x", 0],
        ["b", "y", 2],
      ]),
      { keepValues: true },
    );
    expect(p.users).toEqual(["a", "b"]);
    expect(p.items).toEqual(["x", "y"]);
    expect(dense(p)).toEqual([
      [7, 0],
      [0, 2],
    ]);
    expect(p.timestamps).toBeUndefined();
    expect(
      run(
        raw("count", [
          ["a", "x", 3],
          ["b", "y", 2],
        ]),
        { countThreshold: 2 },
      ).users,
    ).toEqual(["a"]);
  });

  it("numbers users and items in original-id order: numbers numerically, before strings", () => {
    const p = run(
      raw("implicit", [
        ["10", "b", 1],
        ["9", "a", 1],
        ["2", "10", 1],
        ["2", "9", 1],
      ]),
    );
    expect(p.users).toEqual(["2", "9", "10"]);
    expect(p.items).toEqual(["9", "10", "a", "b"]);
    expect(dense(p)).toEqual([
      [1, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    expect(["b", "10", "a", "9"].sort(compareIds)).toEqual(["9", "10", "a", "b"]);
  });

  const graph = raw("implicit", [
    ["A", "x", 1],
    ["A", "y", 1],
    ["B", "x", 1],
    ["B", "y", 1],
    ["C", "x", 1],
    ["C", "z", 1],
    ["D", "z", 1],
  ]);

  it("one filter pass: items first, then users (z keeps a single interaction)", () => {
    const p = run(graph, { minUserInteractions: 2, minItemInteractions: 2 });
    expect(p.users).toEqual(["A", "B", "C"]);
    expect(p.items).toEqual(["x", "y", "z"]);
    expect(p.report.final.interactions).toBe(6);
    expect(p.report.filterRounds).toBe(1);
  });

  it("k-core: repeats until every user and item has at least 2", () => {
    const p = run(graph, { minUserInteractions: 2, minItemInteractions: 2, kCore: true });
    expect(p.users).toEqual(["A", "B"]);
    expect(p.items).toEqual(["x", "y"]);
    expect(dense(p)).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(p.report.filterRounds).toBe(3);
  });

  it("sortByUserItem equals a naive stable sort", () => {
    const u = Int32Array.from([2, 0, 1, 0, 2, 1, 0, 2]);
    const i = Int32Array.from([1, 2, 0, 2, 0, 1, 0, 1]);
    const naive = [...u.keys()].sort((a, b) => u[a] - u[b] || i[a] - i[b] || a - b);
    expect(Array.from(sortByUserItem(u, i, 3, 3))).toEqual(naive);
  });

  it("rejects invalid options with a clear message", () => {
    expect(() => resolveProcessOptions({ minUserInteractions: -1 })).toThrow(
      /invalid data processing options: minUserInteractions:/,
    );
    expect(() => resolveProcessOptions({ threshold: 4 } as unknown as ProcessOptionsInput)).toThrow(
      /invalid data processing options/,
    );
  });
});
