import { Csr } from "../tensor/csr.js";
import { tokenize } from "./tokenize.js";

/** Vocabulary and weighting of {@link tfidfFeatures}. */
export interface TfidfFeatureOptions {
  /** A term must occur in at least this many documents (default 2). */
  minDf: number;
  /** ... and in at most this share of them (default 0.5). */
  maxDfRatio: number;
  /** Keep at most this many terms, the most frequent by document count (default 50,000). */
  maxFeatures: number;
}

/** Defaults of {@link tfidfFeatures}. */
export const TFIDF_FEATURE_DEFAULTS: Readonly<TfidfFeatureOptions> = {
  minDf: 2,
  maxDfRatio: 0.5,
  maxFeatures: 50_000,
};

/** A TF-IDF document-term matrix and its vocabulary. */
export interface TfidfFeatures {
  /** documents x terms; each non-empty row has unit L2 norm. */
  readonly matrix: Csr;
  /** Term of each column. */
  readonly terms: string[];
  /** Document frequency of each column's term. */
  readonly df: Int32Array;
  /** Documents with no kept term (all-zero rows). */
  readonly emptyDocs: number;
}

/**
 * TF-IDF features of `texts` as in scikit-learn's TfidfVectorizer(sublinear_tf=True,
 * smooth_idf=True, norm="l2"): w(d, t) = (1 + ln count(d, t)) * (ln((1 + N) / (1 + df(t))) + 1),
 * rows L2-normalised. Terms come from {@link tokenize}; the vocabulary keeps terms with
 * minDf <= df <= maxDfRatio * N, capped at maxFeatures by df (ties: alphabetical), columns in
 * alphabetical order.
 */
export function tfidfFeatures(
  texts: readonly string[],
  opts: Partial<TfidfFeatureOptions> = {},
): TfidfFeatures {
  const o = { ...TFIDF_FEATURE_DEFAULTS, ...opts };
  const n = texts.length;
  const docs = texts.map((t) => {
    const counts = new Map<string, number>();
    for (const w of tokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
    return counts;
  });
  const dfMap = new Map<string, number>();
  for (const d of docs) for (const w of d.keys()) dfMap.set(w, (dfMap.get(w) ?? 0) + 1);
  const maxDf = Math.max(o.minDf, Math.floor(o.maxDfRatio * n));
  let kept = [...dfMap.entries()].filter(([, c]) => c >= o.minDf && c <= maxDf);
  if (kept.length > o.maxFeatures) {
    kept.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    kept = kept.slice(0, o.maxFeatures);
  }
  kept.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const terms = kept.map(([w]) => w);
  const df = Int32Array.from(kept, ([, c]) => c);
  const col = new Map(terms.map((w, j) => [w, j]));
  const idf = Float64Array.from(df, (c) => Math.log((1 + n) / (1 + c)) + 1);
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  let emptyDocs = 0;
  docs.forEach((d, i) => {
    const entries: [number, number][] = [];
    for (const [w, c] of d) {
      const j = col.get(w);
      if (j !== undefined) entries.push([j, (1 + Math.log(c)) * idf[j]]);
    }
    if (entries.length === 0) emptyDocs++;
    const norm = Math.sqrt(entries.reduce((s, [, v]) => s + v * v, 0));
    for (const [j, v] of entries) {
      rows.push(i);
      cols.push(j);
      vals.push(v / norm);
    }
  });
  return { matrix: Csr.fromTriplets(n, terms.length, rows, cols, vals), terms, df, emptyDocs };
}
