import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { itemsWithTag, targetSegments } from "./tags.js";

// 6 items x 3 tags: item 0 {0}, 1 {0, 1}, 2 {1}, 3 {2}, 4 {} , 5 {2 (weight 0 = not tagged), 1}
const itemTags = Csr.fromTriplets(6, 3, [0, 1, 1, 2, 3, 5, 5], [0, 0, 1, 1, 2, 2, 1], [1, 3, 1, 1, 2, 0, 1]);

describe("targetSegments", () => {
  it("picks argmax of share in target minus share in fold-in among tags present in the target", () => {
    const foldIn = Csr.fromTriplets(4, 6, [0, 0, 1, 1, 2, 3], [0, 1, 2, 3, 3, 0]);
    const target = Csr.fromTriplets(4, 6, [0, 0, 1, 1, 2, 3], [2, 3, 0, 1, 4, 2]);
    // u0: target shares t0 0, t1 1/2, t2 1/2; fold-in t0 1, t1 1/2, t2 0 -> diffs (t1 0, t2 1/2) -> 2
    // u1: target t0 1, t1 1/2, t2 0; fold-in t0 0, t1 1/2, t2 1/2 -> diffs t0 1, t1 0 -> 0
    // u2: target item 4 has no tag -> -1
    // u3: target item 2 (t1): t1 1 - 0 -> 1
    expect(Array.from(targetSegments(foldIn, target, itemTags))).toEqual([2, 0, -1, 1]);
  });

  it("breaks ties towards the lower tag and handles an empty fold-in", () => {
    const foldIn = new Csr(1, 6, new Int32Array(2), new Int32Array(0), new Float32Array(0));
    const target = Csr.fromTriplets(1, 6, [0, 0], [0, 3]); // t0 1/2, t2 1/2
    expect(Array.from(targetSegments(foldIn, target, itemTags))).toEqual([0]);
  });

  it("rejects mismatched shapes", () => {
    const m = Csr.fromTriplets(1, 5, [0], [0]);
    expect(() => targetSegments(m, m, itemTags)).toThrow(/itemTags has 6 item rows but there are 5 items/);
  });
});

describe("itemsWithTag", () => {
  it("lists items with a stored non-zero in the tag's column", () => {
    expect(Array.from(itemsWithTag(itemTags, 1))).toEqual([1, 2, 5]);
    expect(Array.from(itemsWithTag(itemTags, 2))).toEqual([3]);
    expect(() => itemsWithTag(itemTags, 3)).toThrow(/tag 3 is not in \[0, 3\)/);
  });
});
