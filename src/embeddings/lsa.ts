import { BadInput } from "../errors.js";
import { Matrix } from "../tensor/matrix.js";
import { randomizedSvd } from "./svd.js";
import { TFIDF_FEATURE_DEFAULTS, type TfidfFeatureOptions, tfidfFeatures } from "./tfidf-features.js";
import type { EmbedderInfo, TextEmbedder } from "./types.js";

/** Settings of the built-in embedder (complete; see LSA_DEFAULTS). */
export interface LsaOptions extends TfidfFeatureOptions {
  /** Output dimension (capped at the numerical rank of the corpus). */
  dim: number;
  /** Seed of the randomised SVD. */
  seed: number;
  /** Power iterations of the randomised SVD. */
  powerIterations: number;
  /** L2-normalise each output row (cosine geometry, as LSA pipelines usually do). */
  normalise: boolean;
}

/** Defaults of the built-in embedder. */
export const LSA_DEFAULTS: Readonly<LsaOptions> = {
  ...TFIDF_FEATURE_DEFAULTS,
  dim: 256,
  seed: 0,
  powerIterations: 4,
  normalise: true,
};

/**
 * The built-in, offline text embedder: TF-IDF over the corpus (tfidf-features.ts) reduced by a
 * truncated SVD (latent semantic analysis) to `dim` dimensions; row i = U_i diag(s) (scikit-learn's
 * TruncatedSVD.transform), L2-normalised by default. It is fitted on the texts it embeds, so one
 * call should carry the whole corpus; the same texts, settings and seed give the same embeddings.
 */
export class LsaEmbedder implements TextEmbedder {
  readonly options: LsaOptions;
  private last?: { terms: number; rank: number; emptyDocs: number; explained: number };

  constructor(opts: Partial<LsaOptions> = {}) {
    this.options = { ...LSA_DEFAULTS, ...opts };
    const o = this.options;
    if (!Number.isInteger(o.dim) || o.dim < 1)
      throw new BadInput(`--dim must be an integer >= 1, got ${o.dim}`, "dim");
    if (!Number.isInteger(o.minDf) || o.minDf < 1)
      throw new BadInput(`--min-df must be an integer >= 1, got ${o.minDf}`, "minDf");
    if (!(o.maxDfRatio > 0 && o.maxDfRatio <= 1))
      throw new BadInput(`--max-df must be in (0, 1], got ${o.maxDfRatio}`, "maxDfRatio");
  }

  /** The requested dimension (the output may have fewer columns on a tiny corpus). */
  get dim(): number {
    return this.options.dim;
  }

  /** Fits TF-IDF + SVD on `texts` and returns their embeddings (texts x min(dim, rank)). */
  embed(texts: readonly string[]): Promise<Matrix> {
    try {
      return Promise.resolve(this.fit(texts));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private fit(texts: readonly string[]): Matrix {
    const feats = tfidfFeatures(texts, this.options);
    if (feats.terms.length === 0)
      throw new BadInput(
        `no term occurs in at least ${this.options.minDf} of the ${texts.length} texts (and in at most ${this.options.maxDfRatio} of them): nothing to embed`,
        "texts",
      );
    const svd = randomizedSvd(feats.matrix, this.options.dim, {
      seed: this.options.seed,
      powerIterations: this.options.powerIterations,
    });
    const r = svd.s.length;
    const out = new Matrix(texts.length, r);
    for (let i = 0; i < texts.length; i++) {
      let norm2 = 0;
      for (let c = 0; c < r; c++) {
        const x = svd.u.data[i * r + c] * svd.s[c];
        out.data[i * r + c] = x;
        norm2 += x * x;
      }
      if (this.options.normalise && norm2 > 0) {
        const inv = 1 / Math.sqrt(norm2);
        for (let c = 0; c < r; c++) out.data[i * r + c] *= inv;
      }
    }
    const total = texts.length - feats.emptyDocs; // every non-empty row has unit norm
    const explained = total > 0 ? svd.s.reduce((t, s) => t + s * s, 0) / total : 0;
    this.last = { terms: feats.terms.length, rank: r, emptyDocs: feats.emptyDocs, explained };
    return out;
  }

  /** Settings and, after `embed`, the vocabulary size, output rank and explained variance share. */
  info(): EmbedderInfo {
    const o = this.options;
    return {
      provider: "tfidf-lsa",
      dim: o.dim,
      seed: o.seed,
      minDf: o.minDf,
      maxDfRatio: o.maxDfRatio,
      maxFeatures: o.maxFeatures,
      powerIterations: o.powerIterations,
      normalise: o.normalise,
      ...(this.last
        ? {
            vocabulary: this.last.terms,
            outputDim: this.last.rank,
            emptyTexts: this.last.emptyDocs,
            explainedVariance: this.last.explained,
          }
        : {}),
    };
  }
}
