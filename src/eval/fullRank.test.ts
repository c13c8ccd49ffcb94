import { describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { targetRanks } from "./fullRank.js";

function naiveRank(scores: Float32Array, t: number, excluded: Uint8Array | null): number {
  let r = 1;
  for (let j = 0; j < scores.length; j++) {
    if (excluded?.[j]) continue;
    if (scores[j] > scores[t] || (scores[j] === scores[t] && j < t)) r++;
  }
  return r;
}

describe("targetRanks", () => {
  it("hand example with ties and exclusion", () => {
    // items:   0    1    2    3    4    5
    const s = Float32Array.from([0.5, 0.9, 0.5, 0.1, 0.9, 0.7]);
    const ex = Uint8Array.from([0, 1, 0, 0, 0, 0]); // item 1 excluded
    // ranking of candidates: 4 (0.9), 5 (0.7), 0 (0.5, lower index), 2 (0.5), 3 (0.1)
    expect(Array.from(targetRanks(s, [2, 3, 4], ex))).toEqual([4, 5, 1]);
    expect(Array.from(targetRanks(s, [0], null))).toEqual([4]); // 1 and 4 at 0.9, 5 at 0.7 ahead of 0
  });

  it("agrees with the naive count on random data with many ties", () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 30; trial++) {
      const n = 50;
      const s = Float32Array.from({ length: n }, () => rng.int(6));
      const ex = Uint8Array.from({ length: n }, () => (rng.uniform() < 0.2 ? 1 : 0));
      const cands = Array.from({ length: n }, (_, j) => j).filter((j) => !ex[j]);
      const targets = Array.from(rng.permutation(cands.length).slice(0, 1 + rng.int(8)), (p) => cands[p]);
      const got = Array.from(targetRanks(s, targets, ex));
      expect(got).toEqual(targets.map((t) => naiveRank(s, t, ex)));
    }
  });
});
