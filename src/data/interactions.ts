import { Csr } from "../tensor/csr.js";
import type { RawInteractions, ValueKind } from "./loaders/raw.js";
import type { ProcessOptions } from "./options.js";

/** Distinct users, distinct items and stored entries at one stage of processing. */
export interface StageCounts {
  readonly users: number;
  readonly items: number;
  readonly interactions: number;
}

/** What processing did to the interactions, stage by stage. */
export interface InteractionReport {
  readonly valueKind: ValueKind;
  /** As read (every record, duplicates included). */
  readonly raw: StageCounts;
  /** Repeated (user, item) records merged into one entry. */
  readonly duplicatesMerged: number;
  /** After binarisation (ratings >= threshold, counts > threshold), before count filters. */
  readonly binarised: StageCounts;
  /** After the user/item count filters: the matrix. */
  readonly final: StageCounts;
  /** Filter passes run (1 without k-core). */
  readonly filterRounds: number;
}

/** Interactions ready for a Dataset: dense ids, CSR and aligned timestamps. */
export interface ProcessedInteractions {
  readonly users: string[];
  readonly items: string[];
  readonly matrix: Csr;
  readonly timestamps?: Float64Array;
  readonly report: InteractionReport;
}

/**
 * Stable permutation sorting entries by (user, item), ties in file order: a counting sort by item
 * followed by a stable counting sort by user. O(n + users + items).
 */
export function sortByUserItem(
  user: Int32Array,
  item: Int32Array,
  nUsers: number,
  nItems: number,
): Int32Array {
  const n = user.length;
  const byItem = countingOrder(item, nItems, null);
  return countingOrder(user, nUsers, byItem, n);
}

function countingOrder(
  key: Int32Array,
  nKeys: number,
  within: Int32Array | null,
  n = key.length,
): Int32Array {
  const start = new Int32Array(nKeys + 1);
  for (let t = 0; t < n; t++) start[key[t] + 1]++;
  for (let k = 0; k < nKeys; k++) start[k + 1] += start[k];
  const out = new Int32Array(n);
  if (within) {
    for (let s = 0; s < n; s++) {
      const t = within[s];
      out[start[key[t]]++] = t;
    }
  } else {
    for (let t = 0; t < n; t++) out[start[key[t]]++] = t;
  }
  return out;
}

const INT_ID = /^-?\d{1,15}$/;

/** Compares original ids numerically when both are integers, else as strings (code-unit order). */
export function compareIds(a: string, b: string): number {
  const na = INT_ID.test(a);
  const nb = INT_ID.test(b);
  if (na && nb) return Number(a) - Number(b);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Turns raw interactions into a users x items CSR:
 * 1. merges repeated (user, item) records: counts are summed, ratings and events keep the latest
 *    record (largest timestamp, then last in file); the timestamp kept is the latest;
 * 2. binarises: ratings >= ratingThreshold, counts > countThreshold, bare events always kept;
 * 3. drops users/items below the minimum counts: one pass (items, then users) or, with kCore,
 *    repeated until both minima hold;
 * 4. renumbers the remaining users and items densely in order of their original ids.
 * Values are 1 unless keepValues; timestamps are aligned with matrix.values.
 * Entries are sorted once, by (user rank, item rank) in original-id order, so the CSR is filled
 * by a single sequential pass after filtering.
 */
export function processInteractions(raw: RawInteractions, opts: ProcessOptions): ProcessedInteractions {
  const { userIds, itemIds, value, time, valueKind } = raw;
  const nU = userIds.length;
  const nI = itemIds.length;
  const n = raw.user.length;
  const userRank = rankByOriginalId(userIds);
  const itemRank = rankByOriginalId(itemIds);
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    user[t] = userRank[raw.user[t]];
    item[t] = itemRank[raw.item[t]];
  }
  const order = sortByUserItem(user, item, nU, nI);

  // 1. merge duplicates
  const isCount = valueKind === "count";
  const du = new Int32Array(n);
  const di = new Int32Array(n);
  const dv = new Float32Array(n);
  const dt = time ? new Float64Array(n) : null;
  let m = 0;
  for (let s = 0; s < n;) {
    const t0 = order[s];
    const u = user[t0];
    const i = item[t0];
    let best = t0;
    let sum = value[t0];
    let e = s + 1;
    for (; e < n; e++) {
      const t = order[e];
      if (user[t] !== u || item[t] !== i) break;
      sum += value[t];
      if (!time || time[t] >= time[best]) best = t; // later in file wins ties
    }
    du[m] = u;
    di[m] = i;
    dv[m] = isCount ? sum : value[best];
    if (dt && time) dt[m] = time[best];
    m++;
    s = e;
  }

  // 2. binarise
  const keep = new Uint8Array(m);
  const userCount = new Int32Array(nU);
  const itemCount = new Int32Array(nI);
  const mode = valueKind === "rating" ? 0 : isCount ? 1 : 2;
  const rThr = opts.ratingThreshold;
  const cThr = opts.countThreshold;
  for (let k = 0; k < m; k++) {
    const v = dv[k];
    if (mode === 2 || (mode === 0 ? v >= rThr : v > cThr)) {
      keep[k] = 1;
      userCount[du[k]]++;
      itemCount[di[k]]++;
    }
  }
  const binarised = countStage(userCount, itemCount);

  // 3. count filters
  const rounds = filterCounts(du, di, keep, userCount, itemCount, opts);

  // 4. dense renumbering (monotonic in rank, so entries stay sorted) and CSR fill
  const userDense = compact(userCount);
  const itemDense = compact(itemCount);
  const nUsers = userDense.size;
  const nItems = itemDense.size;
  let kept = 0;
  for (let k = 0; k < m; k++) kept += keep[k];
  const indptr = new Int32Array(nUsers + 1);
  const indices = new Int32Array(kept);
  const values = new Float32Array(kept);
  const timestamps = dt ? new Float64Array(kept) : undefined;
  const keepValues = opts.keepValues;
  for (let k = 0, p = 0; k < m; k++) {
    if (!keep[k]) continue;
    indptr[userDense.map[du[k]] + 1]++;
    indices[p] = itemDense.map[di[k]];
    values[p] = keepValues ? dv[k] : 1;
    if (timestamps && dt) timestamps[p] = dt[k];
    p++;
  }
  for (let u = 0; u < nUsers; u++) indptr[u + 1] += indptr[u];
  const userByRank = invert(userRank);
  const itemByRank = invert(itemRank);
  return {
    users: userDense.ranks.map((r) => userIds[userByRank[r]]),
    items: itemDense.ranks.map((r) => itemIds[itemByRank[r]]),
    matrix: new Csr(nUsers, nItems, indptr, indices, values),
    ...(timestamps ? { timestamps } : {}),
    report: {
      valueKind,
      raw: { users: nU, items: nI, interactions: n },
      duplicatesMerged: n - m,
      binarised,
      final: { users: nUsers, items: nItems, interactions: kept },
      filterRounds: rounds,
    },
  };
}

/** Applies the minimum user/item counts to the kept entries, updating counts; returns the passes run. */
function filterCounts(
  du: Int32Array,
  di: Int32Array,
  keep: Uint8Array,
  userCount: Int32Array,
  itemCount: Int32Array,
  opts: ProcessOptions,
): number {
  const minU = opts.minUserInteractions;
  const minI = opts.minItemInteractions;
  if (minU <= 1 && minI <= 1) return 1;
  const m = keep.length;
  let rounds = 0;
  for (;;) {
    rounds++;
    let changed = false;
    for (const byItem of [true, false]) {
      const min = byItem ? minI : minU;
      if (min <= 1) continue;
      const count = byItem ? itemCount : userCount;
      const key = byItem ? di : du;
      const drop = new Uint8Array(count.length);
      for (let x = 0; x < count.length; x++) drop[x] = count[x] > 0 && count[x] < min ? 1 : 0;
      for (let k = 0; k < m; k++) {
        if (keep[k] && drop[key[k]]) {
          keep[k] = 0;
          userCount[du[k]]--;
          itemCount[di[k]]--;
          changed = true;
        }
      }
    }
    if (!opts.kCore || !changed) return rounds;
  }
}

function countStage(userCount: Int32Array, itemCount: Int32Array): StageCounts {
  let users = 0;
  let items = 0;
  let interactions = 0;
  for (const c of userCount) {
    if (c > 0) users++;
    interactions += c;
  }
  for (const c of itemCount) if (c > 0) items++;
  return { users, items, interactions };
}

/** rank[k] = position of ids[k] in original-id order (integers numerically, see {@link compareIds}). */
function rankByOriginalId(ids: string[]): Int32Array {
  const order = Array.from(ids.keys());
  if (ids.every((id) => INT_ID.test(id))) {
    const num = Float64Array.from(ids, Number);
    order.sort((a, b) => num[a] - num[b]);
  } else {
    order.sort((a, b) => compareIds(ids[a], ids[b]));
  }
  const rank = new Int32Array(ids.length);
  order.forEach((k, r) => (rank[k] = r));
  return rank;
}

function invert(rank: Int32Array): Int32Array {
  const inv = new Int32Array(rank.length);
  for (let k = 0; k < rank.length; k++) inv[rank[k]] = k;
  return inv;
}

/** Dense index per rank with a positive count (-1 otherwise), plus the ranks kept, in order. */
function compact(count: Int32Array): { map: Int32Array; ranks: number[]; size: number } {
  const map = new Int32Array(count.length).fill(-1);
  const ranks: number[] = [];
  for (let r = 0; r < count.length; r++) {
    if (count[r] > 0) {
      map[r] = ranks.length;
      ranks.push(r);
    }
  }
  return { map, ranks, size: ranks.length };
}
