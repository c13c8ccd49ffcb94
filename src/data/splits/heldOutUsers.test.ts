import { describe, expect, it } from "vitest";
import { Csr } from "../../tensor/csr.js";
import { Rng } from "../../tensor/rng.js";
import type { Dataset } from "../types.js";
import { heldOutUsersSplit } from "./heldOutUsers.js";

/** 200 users over 40 items; user u has (u % 15) + 1 distinct random items with weight u + item. */
function dataset(): Dataset {
  const rng = new Rng(7);
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let u = 0; u < 200; u++) {
    const items = rng.permutation(40).slice(0, (u % 15) + 1);
    for (const i of items) {
      r.push(u);
      c.push(i);
      v.push(u + i);
    }
  }
  const matrix = Csr.fromTriplets(200, 40, r, c, v);
  return { name: "t", source: "test", users: [], items: [], matrix, concepts: [] };
}

function row(m: Csr, i: number): Map<number, number> {
  const out = new Map<number, number>();
  m.rowIndices(i).forEach((j, p) => out.set(j, m.rowValues(i)[p]));
  return out;
}

describe("heldOutUsersSplit", () => {
  const ds = dataset();
  // users with >= 5 interactions have u % 15 >= 4: 11 in each of 13 full cycles, plus user 199
  const eligible = Array.from({ length: 200 }, (_, u) => u).filter((u) => u % 15 >= 4);

  it("sizes follow the fractions of eligible users exactly", () => {
    expect(eligible.length).toBe(144);
    const s = heldOutUsersSplit(ds, { seed: 1 });
    expect(s.test.users.length).toBe(14); // round(14.4)
    expect(s.validation.users.length).toBe(14);
    expect(s.smallUsers.length).toBe(56);
    expect(s.trainUsers.length).toBe(200 - 28);
    expect(s.train.rows).toBe(172);
    const s2 = heldOutUsersSplit(ds, { seed: 1, valFraction: 0.25, testFraction: 0.3 });
    expect(s2.test.users.length).toBe(43); // round(43.2)
    expect(s2.validation.users.length).toBe(36);
  });

  it("partitions users and, per held-out user, partitions interactions into fold-in and target", () => {
    const s = heldOutUsersSplit(ds, { seed: 3 });
    const seen = new Int32Array(200);
    s.trainUsers.forEach((u, r) => {
      seen[u]++;
      expect(row(s.train, r)).toEqual(row(ds.matrix, u));
    });
    for (const part of [s.validation, s.test]) {
      expect(part.foldIn.rows).toBe(part.users.length);
      expect(part.target.cols).toBe(40);
      part.users.forEach((u, r) => {
        seen[u]++;
        expect(u % 15).toBeGreaterThanOrEqual(4);
        const f = row(part.foldIn, r);
        const t = row(part.target, r);
        const n = ds.matrix.rowNnz(u);
        expect(t.size).toBe(Math.min(n - 1, Math.max(1, Math.round(0.2 * n))));
        for (const j of t.keys()) expect(f.has(j)).toBe(false);
        expect(new Map([...f, ...t])).toEqual(row(ds.matrix, u));
      });
    }
    expect(Array.from(seen).every((x) => x === 1)).toBe(true);
    expect(Array.from(s.smallUsers).every((u) => u % 15 < 4)).toBe(true);
  });

  it("target sizes for hand cases: 5 -> 1, 8 -> 2, 10 -> 2, 13 -> 3, 15 -> 3", () => {
    const s = heldOutUsersSplit(ds, { seed: 5, valFraction: 0.5, testFraction: 0.5 });
    const want: Record<number, number> = { 5: 1, 8: 2, 10: 2, 13: 3, 15: 3 };
    for (const part of [s.validation, s.test]) {
      part.users.forEach((u, r) => {
        const n = ds.matrix.rowNnz(u);
        if (want[n] !== undefined) expect(part.target.rowNnz(r)).toBe(want[n]);
      });
    }
    expect(s.trainUsers.length).toBe(56); // only the small users
  });

  it("is deterministic per seed and differs across seeds", () => {
    const a = heldOutUsersSplit(ds, { seed: 11 });
    const b = heldOutUsersSplit(ds, { seed: 11 });
    const c = heldOutUsersSplit(ds, { seed: 12 });
    expect(a.test.users).toEqual(b.test.users);
    expect(a.test.target.indices).toEqual(b.test.target.indices);
    expect(a.validation.foldIn.indices).toEqual(b.validation.foldIn.indices);
    expect(Array.from(a.test.users)).not.toEqual(Array.from(c.test.users));
  });

  it("drops small users on request and honours minInteractions", () => {
    const s = heldOutUsersSplit(ds, { seed: 1, smallUsers: "drop" });
    expect(s.trainUsers.length).toBe(144 - 28);
    expect(Array.from(s.trainUsers).some((u) => u % 15 < 4)).toBe(false);
    const s2 = heldOutUsersSplit(ds, { seed: 1, minInteractions: 2 });
    expect(s2.smallUsers.length).toBe(14); // u % 15 === 0: 0, 15, ..., 195
    expect(s2.test.users.length).toBe(19); // round(0.1 * 186)
  });

  it("rejects bad options with the field named", () => {
    expect(() => heldOutUsersSplit(ds, { seed: 1, valFraction: 0.6, testFraction: 0.5 })).toThrow(
      /exceeds 1/,
    );
    expect(() => heldOutUsersSplit(ds, { seed: 1, foldInFraction: 1 })).toThrow(/foldInFraction/);
    expect(() => heldOutUsersSplit(ds, { seed: 1, minInteractions: 1 })).toThrow(/minInteractions/);
  });
});
