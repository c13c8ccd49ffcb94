import { Csr } from "../tensor/csr.js";
import { Rng } from "../tensor/rng.js";

/** Test fixtures for models (not used by library code). */

/** A rows x cols random interaction matrix with the given density; values 1 or, if weighted, 1..3. */
export function randomCsr(rows: number, cols: number, density: number, seed: number, weighted = false): Csr {
  const rng = new Rng(seed);
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (rng.uniform() < density) {
        r.push(i);
        c.push(j);
        v.push(weighted ? 1 + rng.int(3) : 1);
      }
    }
  }
  return Csr.fromTriplets(rows, cols, r, c, v);
}

/** A planted dataset: training matrix plus, per user, the one held-out item everything should rank first. */
export interface PlantedBlocks {
  readonly train: Csr;
  readonly heldOut: Int32Array;
}

/**
 * Two user groups, each consuming one block of `blockSize` items; every user misses exactly one
 * item of their block (held out; user u misses item u mod blockSize of the block). `noiseItems`
 * extra items are consumed at random by about a quarter of all users, so they are popular but
 * unrelated to either block.
 */
export function plantedBlocks(
  usersPerGroup: number,
  blockSize: number,
  noiseItems: number,
  seed: number,
): PlantedBlocks {
  const rng = new Rng(seed);
  const nItems = 2 * blockSize + noiseItems;
  const r: number[] = [];
  const c: number[] = [];
  const heldOut = new Int32Array(2 * usersPerGroup);
  for (let u = 0; u < 2 * usersPerGroup; u++) {
    const group = u < usersPerGroup ? 0 : 1;
    const start = group * blockSize;
    const missing = start + (u % blockSize);
    heldOut[u] = missing;
    for (let i = start; i < start + blockSize; i++) {
      if (i !== missing) {
        r.push(u);
        c.push(i);
      }
    }
    for (let k = 0; k < noiseItems; k++) {
      if (rng.uniform() < 0.25) {
        r.push(u);
        c.push(2 * blockSize + k);
      }
    }
  }
  return { train: Csr.fromTriplets(2 * usersPerGroup, nItems, r, c), heldOut };
}
