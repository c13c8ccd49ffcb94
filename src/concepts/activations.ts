import type { Matrix } from "../tensor/matrix.js";

/**
 * Item activations Z (items x neurons): row i is the SAE code of item i, z_i = E_s(E_c(onehot(i)))
 * for autoencoder models, the item-embedding SAE code for two-tower models. Every concept measure
 * in this folder takes Z as input; it must be finite and non-negative.
 *
 * A neuron is *live* when it activates (z > 0) on at least one item, *dead* otherwise; dead neurons
 * get no label, no score and no plot entry.
 */
export function validateActivations(z: Matrix, where = "item activations"): void {
  const { data, cols } = z;
  for (let p = 0; p < data.length; p++) {
    const v = data[p];
    if (!(v >= 0) || v === Infinity) {
      const i = Math.floor(p / cols);
      throw new RangeError(
        `${where}: Z[${i}, ${p - i * cols}] = ${v}; activations must be finite and non-negative`,
      );
    }
  }
}

/** Per-neuron activity over items: how many items activate it, and its largest activation. */
export interface NeuronActivity {
  /** Number of items with z > 0, per neuron. */
  readonly support: Int32Array;
  /** Largest activation over items, per neuron (0 for a dead neuron). */
  readonly max: Float32Array;
  /** Smallest activation over all items, per neuron (0 unless every item activates it). */
  readonly min: Float32Array;
  /** Ids of the live neurons (support > 0), ascending. */
  readonly live: Int32Array;
}

/** Counts, for each neuron, the items that activate it; live neurons are those with support > 0. */
export function neuronActivity(z: Matrix): NeuronActivity {
  const { rows, cols, data } = z;
  const support = new Int32Array(cols);
  const max = new Float32Array(cols);
  const min = new Float32Array(cols).fill(rows > 0 ? Infinity : 0);
  for (let i = 0; i < rows; i++) {
    const off = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[off + j];
      if (v < min[j]) min[j] = v;
      if (v > 0) {
        support[j]++;
        if (v > max[j]) max[j] = v;
      }
    }
  }
  const live: number[] = [];
  for (let j = 0; j < cols; j++) if (support[j] > 0) live.push(j);
  return { support, max, min, live: Int32Array.from(live) };
}

/**
 * Default minimum item support of a neuron that may be picked as the best neuron of a concept (the
 * tag -> neuron steering mappings, the purest neuron per concept). 20 is the default list length of
 * evaluation and steering (top-20): boosting a neuron that fires on fewer items than the list holds
 * can bring at most that many items of its segment into the list, and a neuron that fires on 2-3
 * items carrying a tag gets a maximal TF-IDF tf and purity@K (the failure seen on ml-latest-small:
 * Thriller and War mapped to a 2-item neuron). It is also >= the largest purity K used to pick a
 * label (10), so every eligible neuron has a full top-10 list.
 */
export const DEFAULT_MIN_SUPPORT = 20;

/**
 * Which neurons fire on at least `minSupport` items (1 = eligible, 0 = not), from `support` (items
 * with z > 0 per neuron). `minSupport` must be a positive integer (1 keeps every live neuron).
 */
export function eligibleNeurons(support: ArrayLike<number>, minSupport: number): Uint8Array {
  if (!Number.isInteger(minSupport) || minSupport < 1)
    throw new RangeError(`minSupport must be a positive integer, got ${minSupport}`);
  const out = new Uint8Array(support.length);
  for (let j = 0; j < support.length; j++) out[j] = support[j] >= minSupport ? 1 : 0;
  return out;
}

/**
 * The top-k activating items of every neuron. Row j of `items`/`values` (k slots) lists neuron j's
 * items with z > 0 by activation descending (ties: lower item id first); `count[j]` = min(k, support)
 * slots are filled, the rest hold item -1 and value 0.
 */
export interface TopItems {
  readonly neurons: number;
  readonly k: number;
  readonly items: Int32Array;
  readonly values: Float32Array;
  readonly count: Int32Array;
}

/**
 * Column-wise top-k of Z in one pass over its entries, keeping a k-slot min-heap per neuron (memory
 * neurons x k, no transpose of Z). Only positive activations are kept.
 */
export function topActivatingItems(z: Matrix, k: number): TopItems {
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`topActivatingItems: k must be a positive integer, got ${k}`);
  const { rows, cols, data } = z;
  const heapItem = new Int32Array(cols * k).fill(-1);
  const heapVal = new Float32Array(cols * k);
  const size = new Int32Array(cols);
  // Heap order: (value asc, item desc) at the root, i.e. the root is the entry to evict first.
  const worse = (base: number, a: number, b: number): boolean =>
    heapVal[base + a] < heapVal[base + b] ||
    (heapVal[base + a] === heapVal[base + b] && heapItem[base + a] > heapItem[base + b]);
  const swap = (base: number, a: number, b: number): void => {
    const ti = heapItem[base + a];
    heapItem[base + a] = heapItem[base + b];
    heapItem[base + b] = ti;
    const tv = heapVal[base + a];
    heapVal[base + a] = heapVal[base + b];
    heapVal[base + b] = tv;
  };
  for (let i = 0; i < rows; i++) {
    const off = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[off + j];
      if (!(v > 0)) continue;
      const base = j * k;
      const n = size[j];
      if (n < k) {
        let c = n;
        heapItem[base + c] = i;
        heapVal[base + c] = v;
        size[j] = n + 1;
        while (c > 0) {
          const parent = (c - 1) >> 1;
          if (!worse(base, c, parent)) break;
          swap(base, c, parent);
          c = parent;
        }
      } else if (v > heapVal[base]) {
        // Items arrive in ascending id, so an equal value never displaces the root (lower id wins).
        heapItem[base] = i;
        heapVal[base] = v;
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          const r = l + 1;
          let m = c;
          if (l < k && worse(base, l, m)) m = l;
          if (r < k && worse(base, r, m)) m = r;
          if (m === c) break;
          swap(base, c, m);
          c = m;
        }
      }
    }
  }
  // Sort each heap: value descending, item ascending.
  const items = new Int32Array(cols * k).fill(-1);
  const values = new Float32Array(cols * k);
  const order: number[] = [];
  for (let j = 0; j < cols; j++) {
    const base = j * k;
    order.length = 0;
    for (let s = 0; s < size[j]; s++) order.push(s);
    order.sort((a, b) => heapVal[base + b] - heapVal[base + a] || heapItem[base + a] - heapItem[base + b]);
    order.forEach((s, r) => {
      items[base + r] = heapItem[base + s];
      values[base + r] = heapVal[base + s];
    });
  }
  return { neurons: cols, k, items, values, count: size };
}

/** Neuron j's top items (a view of at most `k` ids, fewer when it activates on fewer items). */
export function topItemsOf(top: TopItems, neuron: number, k = top.k): Int32Array {
  if (k > top.k) throw new RangeError(`topItemsOf: asked for ${k} items but only ${top.k} were kept`);
  const base = neuron * top.k;
  return top.items.subarray(base, base + Math.min(k, top.count[neuron]));
}

/** Neuron j's top activations, aligned with `topItemsOf`. */
export function topValuesOf(top: TopItems, neuron: number, k = top.k): Float32Array {
  if (k > top.k) throw new RangeError(`topValuesOf: asked for ${k} values but only ${top.k} were kept`);
  const base = neuron * top.k;
  return top.values.subarray(base, base + Math.min(k, top.count[neuron]));
}
