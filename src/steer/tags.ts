import type { Csr } from "../tensor/csr.js";

/** Items carrying tag `tag` (a stored non-zero in column `tag` of the items x tags matrix), ascending. */
export function itemsWithTag(itemTags: Csr, tag: number): Int32Array {
  if (!(Number.isInteger(tag) && tag >= 0 && tag < itemTags.cols))
    throw new RangeError(`itemsWithTag: tag ${tag} is not in [0, ${itemTags.cols})`);
  const out: number[] = [];
  for (let i = 0; i < itemTags.rows; i++) {
    for (let p = itemTags.indptr[i]; p < itemTags.indptr[i + 1]; p++)
      if (itemTags.indices[p] === tag && itemTags.values[p] !== 0) out.push(i);
  }
  return Int32Array.from(out);
}

/**
 * Target segment of each held-out user (Knots to Knobs trade-off evaluation): the tag most
 * over-represented in the user's target items relative to their fold-in items,
 *   argmax_t share_target(t) - share_foldIn(t),  share_X(t) = |{i in X : i has tag t}| / |X|,
 * an item "has" a tag when its row of `itemTags` stores a non-zero there (weights ignored; an item
 * with several tags counts for each). Only tags carried by at least one target item compete, so
 * the segment always contains a relevant item; ties go to the lower tag index; an empty fold-in has
 * share 0 everywhere. -1 for users none of whose target items carries a tag.
 */
export function targetSegments(foldIn: Csr, target: Csr, itemTags: Csr): Int32Array {
  if (foldIn.rows !== target.rows || foldIn.cols !== target.cols)
    throw new RangeError(`targetSegments: foldIn is ${foldIn.shape} but target is ${target.shape}`);
  if (itemTags.rows !== target.cols)
    throw new RangeError(
      `targetSegments: itemTags has ${itemTags.rows} item rows but there are ${target.cols} items`,
    );
  const tags = itemTags.cols;
  const inTarget = new Float64Array(tags);
  const inFold = new Float64Array(tags);
  const out = new Int32Array(target.rows).fill(-1);
  const count = (m: Csr, u: number, acc: Float64Array): void => {
    for (const i of m.rowIndices(u)) {
      for (let p = itemTags.indptr[i]; p < itemTags.indptr[i + 1]; p++)
        if (itemTags.values[p] !== 0) acc[itemTags.indices[p]]++;
    }
  };
  for (let u = 0; u < target.rows; u++) {
    inTarget.fill(0);
    inFold.fill(0);
    count(target, u, inTarget);
    count(foldIn, u, inFold);
    const nT = target.rowNnz(u);
    const nF = foldIn.rowNnz(u);
    let best = -1;
    let bestDiff = -Infinity;
    for (let t = 0; t < tags; t++) {
      if (inTarget[t] === 0) continue;
      const diff = inTarget[t] / nT - (nF > 0 ? inFold[t] / nF : 0);
      if (diff > bestDiff) {
        bestDiff = diff;
        best = t;
      }
    }
    out[u] = best;
  }
  return out;
}
