import { describe, expect, it } from "vitest";
import type { Dataset } from "../data/types.js";
import { createManifest } from "../store/manifest.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { evaluateHeldOut } from "../models/evaluate.js";
import { resolveSplitSettings, splitForRun, splitSettingsOf } from "./run-split.js";
import { partBatch, type Recommender, type UserBatch } from "../models/types.js";

/** User u has items 0..u+1 (u + 2 interactions): user 0 has 2, user 7 has 9. */
function staircase(): Dataset {
  const r: number[] = [];
  const c: number[] = [];
  for (let u = 0; u < 8; u++)
    for (let i = 0; i < u + 2; i++) {
      r.push(u);
      c.push(i);
    }
  const matrix = Csr.fromTriplets(8, 12, r, c);
  return { name: "stairs", source: "test", users: [], items: [], matrix, concepts: [] };
}

const row = (m: Csr, r: number): number[] => Array.from(m.rowIndices(r));

describe("run splits", () => {
  it("fills defaults for both kinds", () => {
    expect(resolveSplitSettings(3)).toEqual({
      kind: "heldOutUsers",
      seed: 3,
      valFraction: 0.1,
      testFraction: 0.1,
      foldInFraction: 0.8,
    });
    expect(resolveSplitSettings(3, { kind: "leaveKOut", k: 2 })).toEqual({
      kind: "leaveKOut",
      seed: 3,
      k: 2,
      valK: 2,
      order: "random",
    });
  });

  it("leave-k-out: every user trains; validation sees train, test sees train + validation", () => {
    const ds = staircase();
    const s = splitForRun(ds, resolveSplitSettings(1, { kind: "leaveKOut", k: 2, valK: 1 }));
    expect(Array.from(s.trainUsers)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(s.train.rows).toBe(8);
    // > k = 2 interactions gives a test set (users 1..7), > k + valK = 3 a validation set (users 2..7)
    expect(Array.from(s.test.users)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(s.validation.users)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(Array.from(s.test.userIds ?? [])).toEqual(Array.from(s.test.users));
    s.test.users.forEach((u, r) => {
      expect(s.test.target.rowNnz(r)).toBe(2);
      const seen = row(s.test.foldIn, r);
      expect(seen).toEqual([...seen].sort((a, b) => a - b)); // merged rows stay sorted
      const all = [...seen, ...row(s.test.target, r)].sort((a, b) => a - b);
      expect(all).toEqual(row(ds.matrix, u)); // fold-in (train + validation) and target cover the user
    });
    s.validation.users.forEach((u, r) => {
      expect(row(s.validation.foldIn, r)).toEqual(row(s.train, u));
      expect(s.validation.target.rowNnz(r)).toBe(1);
      expect(row(s.validation.target, r).some((i) => row(s.train, u).includes(i))).toBe(false);
    });
    expect(s.train.rowNnz(0)).toBe(2); // too small: keeps everything
  });

  it("leave-one-out: last item tests, second-to-last validates, time order kept in the sequences", () => {
    // User 0: items 5, 2, 9, 1 in time order (timestamps 40, 10, 30, 20 stored by item index);
    // user 1: two items only (trains, no targets); user 2: items 3, 0, 4.
    const matrix = Csr.fromTriplets(3, 10, [0, 0, 0, 0, 1, 1, 2, 2, 2], [1, 2, 5, 9, 6, 7, 0, 3, 4]);
    const timestamps = Float64Array.of(40, 20, 10, 30, 1, 2, 20, 10, 30);
    const ds: Dataset = { name: "t", source: "test", users: [], items: [], matrix, timestamps, concepts: [] };
    const s = splitForRun(ds, resolveSplitSettings(4, { kind: "leaveOneOut" }));
    expect(resolveSplitSettings(4, { kind: "leaveOneOut" })).toEqual({ kind: "leaveOneOut", seed: 4 });
    expect(s.trainSequences?.map((q) => Array.from(q))).toEqual([[5, 2], [6, 7], [3]]);
    expect([0, 1, 2].map((u) => row(s.train, u))).toEqual([[2, 5], [6, 7], [3]]);
    expect(Array.from(s.validation.users)).toEqual([0, 2]);
    expect(s.validation.sequences?.map((q) => Array.from(q))).toEqual([[5, 2], [3]]);
    expect([0, 1].map((r) => row(s.validation.target, r))).toEqual([[9], [0]]);
    expect(Array.from(s.test.users)).toEqual([0, 2]);
    expect(s.test.sequences?.map((q) => Array.from(q))).toEqual([
      [5, 2, 9],
      [3, 0],
    ]);
    expect([0, 1].map((r) => row(s.test.foldIn, r))).toEqual([
      [2, 5, 9],
      [0, 3],
    ]);
    expect([0, 1].map((r) => row(s.test.target, r))).toEqual([[1], [4]]);
    expect(Array.from(s.test.userIds ?? [])).toEqual([0, 2]);
    // partBatch hands the sequences on with the rows
    expect(partBatch(s.test, 1, 2).sequences?.map((q) => Array.from(q))).toEqual([[3, 0]]);
  });

  it("held-out users: the same parts as heldOutUsersSplit, without user ids", () => {
    const s = splitForRun(staircase(), resolveSplitSettings(2, { valFraction: 0.25, testFraction: 0.25 }));
    expect(s.test.userIds).toBeUndefined();
    expect(s.train.rows + s.validation.users.length + s.test.users.length).toBe(8);
  });

  it("reads the recorded settings back and names bad fields", () => {
    const manifest = (split: unknown) =>
      createManifest({
        kind: "model",
        seed: 9,
        config: { split },
        data: { name: "d", source: "s", hash: "a".repeat(64), users: 1, items: 1, interactions: 1 },
        metrics: {},
      });
    expect(splitSettingsOf(manifest({ kind: "leaveKOut", k: 3 }))).toEqual({
      kind: "leaveKOut",
      seed: 9,
      k: 3,
      valK: 3,
      order: "random",
    });
    expect(splitSettingsOf(manifest({ kind: "heldOutUsers", foldInFraction: 0.5 })).kind).toBe(
      "heldOutUsers",
    );
    expect(() =>
      splitSettingsOf(manifest({ kind: "leaveKOut", order: "oldest" }), "run/manifest.json"),
    ).toThrow('run/manifest.json: config.split.order is "oldest", not a valid value');
    expect(() => splitSettingsOf(manifest({ kind: "temporal" }))).toThrow(
      /config.split.kind is "temporal", expected "heldOutUsers", "leaveKOut" or "leaveOneOut"/,
    );
    expect(() => splitSettingsOf(manifest(undefined))).toThrow(/config.split is missing/);
  });

  it("evaluation hands a part's user ids to the model (learned vectors instead of fold-in)", () => {
    const seen: (number[] | undefined)[] = [];
    const model = {
      scoreUsers(b: UserBatch): Matrix {
        seen.push(b.userIds ? Array.from(b.userIds) : undefined);
        const out = new Matrix(b.rows.rows, 3);
        for (let r = 0; r < b.rows.rows; r++) out.data[r * 3 + 2] = 1; // item 2 first
        return out;
      },
    } as unknown as Recommender;
    const foldIn = Csr.fromTriplets(2, 3, [0, 1], [0, 1]);
    const target = Csr.fromTriplets(2, 3, [0, 1], [2, 0]);
    const r = evaluateHeldOut(model, { foldIn, target, userIds: Int32Array.of(4, 6) }, { ks: [1] });
    expect(seen).toEqual([[4, 6]]);
    expect(r.metrics["recall@1"].mean).toBe(0.5); // user 0 finds item 2, user 1 wants item 0
    evaluateHeldOut(model, { foldIn, target }, { ks: [1] });
    expect(seen[1]).toBeUndefined();
  });

  it("partBatch slices a part's fold-in rows and, when present, its user ids", () => {
    const foldIn = Csr.fromTriplets(4, 3, [0, 1, 2, 3], [0, 1, 2, 0]);
    const b = partBatch({ foldIn, userIds: Int32Array.of(9, 8, 7, 6) }, 1, 3);
    expect([b.rows.rows, Array.from(b.rows.rowIndices(0)), Array.from(b.rows.rowIndices(1))]).toEqual([
      2,
      [1],
      [2],
    ]);
    expect(Array.from(b.userIds ?? [])).toEqual([8, 7]);
    expect(partBatch({ foldIn }, 0, 2).userIds).toBeUndefined();
  });
});
