import { existsSync } from "node:fs";
import type { Dataset } from "../data/types.js";
import { BadInput, Unavailable } from "../errors.js";
import type { IntentRecord } from "../intents/write.js";
import { SaeRec } from "../models/saerec.js";
import type { Recommender } from "../models/types.js";
import { listIntents } from "./intents.js";
import {
  explainSaerecForUser,
  type ExplainedListItem,
  type SaerecUserExplanation,
} from "./saerec-intents.js";

/**
 * The intents service of a served SAERec run, shared by `reclens recommend --explain` (SAERec runs)
 * and the HTTP routes GET /api/users/:id/intents-explain and GET /api/intents: each recommended
 * item with its score split over the user's retrieved intents (explainSaerecForUser), the list
 * re-ranked with intents switched off (what entered, what left), and the run's intent library.
 */

/** Where the explanation is computed: a SAERec model and the dataset it was trained on. */
export interface IntentExplainSource {
  /** Run directory (or a name for an in-memory model), used in error messages. */
  readonly dir: string;
  readonly model: Recommender;
  readonly dataset: Dataset;
}

/** Longest list an intent explanation may rank. */
export const MAX_INTENT_EXPLAIN_N = 200;

/** An explained item with its 1-based rank and whether switching intents off brought it in. */
export interface RankedIntentItem extends ExplainedListItem {
  readonly rank: number;
  /** In this list but not in the list without intents switched off (always false without `off`). */
  readonly entered: boolean;
}

/** {@link explainIntentsForUser}'s answer. */
export interface IntentExplainResult extends Omit<SaerecUserExplanation, "items"> {
  readonly n: number;
  readonly items: RankedIntentItem[];
  /** Items of the list without `off` that this list lost (empty without `off`). */
  readonly left: { readonly item: number; readonly id: string; readonly title?: string }[];
}

/** The model as a SAERec with intent branches, or Unavailable naming the run and model. */
export function saerecOf(src: IntentExplainSource): SaeRec {
  const m = src.model;
  if (!(m instanceof SaeRec) || m.branches.length === 0)
    throw new Unavailable(
      `${src.dir}: intent explanations need a saerec run with intent branches (this is ${m.name}${m instanceof SaeRec ? ", intents none" : ""})`,
    );
  return m;
}

/**
 * The user's top-n items explained by intents (parts: sequence + bias + one per retrieved intent =
 * score), with `off` (labels or library indices) switched off: the list is then re-ranked, items
 * that were not in the plain list are marked `entered`, and the plain list's lost items are `left`.
 */
export function explainIntentsForUser(
  src: IntentExplainSource,
  userId: string,
  opts: { n: number; off?: readonly string[] },
): IntentExplainResult {
  saerecOf(src);
  const { n } = opts;
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_INTENT_EXPLAIN_N))
    throw new BadInput(`n must be an integer in [1, ${MAX_INTENT_EXPLAIN_N}], got ${n}`, "n");
  const off = opts.off ?? [];
  const ex = explainSaerecForUser(src, userId, { n, off });
  const plain = off.length > 0 ? explainSaerecForUser(src, userId, { n }).items : ex.items;
  const before = new Set(plain.map((it) => it.item));
  const now = new Set(ex.items.map((it) => it.item));
  return {
    ...ex,
    n,
    items: ex.items.map((it, p) => ({ ...it, rank: p + 1, entered: !before.has(it.item) })),
    left: plain
      .filter((it) => !now.has(it.item))
      .map((it) => ({ item: it.item, id: it.id, ...(it.title ? { title: it.title } : {}) })),
  };
}

/** One intent of a run's library as listed by {@link listRunIntents}. */
export interface ListedIntent {
  /** Library index (what `off` takes). */
  readonly id: number;
  readonly label: string;
  readonly confidence: number;
  /** Items of the dataset the intent fires on. */
  readonly support: number;
  /** True when the intent is one of the run's public intents. */
  readonly public: boolean;
  /** Items it fires on most strongly (dataset ids and titles). */
  readonly topItems: {
    readonly item: number;
    readonly id: string;
    readonly title?: string;
    readonly activation: number;
  }[];
  /** Keywords of the built-in label, when the library directory is still readable. */
  readonly keywords?: string[];
}

/** {@link listRunIntents}'s answer. */
export interface RunIntentListing {
  /** The library directory recorded with the model (null when unknown). */
  readonly source: string | null;
  /** Whether that directory was read (for keywords); the rest comes from the model's own copy. */
  readonly sourceRead: boolean;
  readonly total: number;
  readonly offset: number;
  readonly intents: ListedIntent[];
}

/**
 * The intent library of a SAERec run, most confident first (ties by index): labels, confidence,
 * support and top items from the copy stored with the model (so a moved or deleted library still
 * lists), plus the built-in label's keywords read through listIntents when the recorded library
 * directory still exists. `query` keeps intents whose label contains it (case-insensitive).
 */
export function listRunIntents(
  src: IntentExplainSource,
  opts: { offset?: number; limit?: number; top?: number; query?: string } = {},
): RunIntentListing {
  const it = saerecOf(src).internals();
  const { labels, confidence, activations } = it.priors;
  const source = it.priors.source ?? null;
  const records = new Map<number, IntentRecord>();
  const sourceRead = source !== null && existsSync(source);
  if (sourceRead) for (const r of listIntents(source).intents) records.set(r.id, r);
  const q = (opts.query ?? "").trim().toLowerCase();
  const order = labels
    .map((_, i) => i)
    .filter((i) => q === "" || labels[i].toLowerCase().includes(q))
    .sort((a, b) => confidence[b] - confidence[a] || a - b);
  const offset = opts.offset ?? 0;
  const page = order.slice(offset, offset + (opts.limit ?? 50));
  const top = opts.top ?? 5;
  const want = new Set(page);
  const best = new Map<number, { item: number; a: number }[]>(page.map((i) => [i, []]));
  const support = new Map<number, number>(page.map((i) => [i, 0]));
  const { indptr, indices, values } = activations;
  for (let item = 0; item < activations.rows; item++)
    for (let p = indptr[item]; p < indptr[item + 1]; p++) {
      const c = indices[p];
      if (!want.has(c) || !(values[p] > 0)) continue;
      support.set(c, (support.get(c) ?? 0) + 1);
      (best.get(c) as { item: number; a: number }[]).push({ item, a: values[p] });
    }
  const pub = new Set(Array.from(it.publicIds));
  const titles = src.dataset.itemTitles;
  return {
    source,
    sourceRead,
    total: order.length,
    offset,
    intents: page.map((i): ListedIntent => {
      const hits = (best.get(i) ?? []).sort((x, y) => y.a - x.a || x.item - y.item).slice(0, top);
      const kw = records.get(i)?.tfidf?.keywords;
      return {
        id: i,
        label: labels[i],
        confidence: confidence[i],
        support: support.get(i) ?? 0,
        public: pub.has(i),
        topItems: hits.map((h) => ({
          item: h.item,
          id: src.dataset.items[h.item],
          ...(titles?.[h.item] ? { title: titles[h.item] } : {}),
          activation: h.a,
        })),
        ...(kw ? { keywords: kw } : {}),
      };
    }),
  };
}
