import type { Matrix } from "../tensor/matrix.js";

/** What produced a set of text embeddings (recorded in intent libraries). */
export interface EmbedderInfo {
  /** "tfidf-lsa", "openai" or "file". */
  readonly provider: string;
  /** Provider settings worth recording (model, base URL, dimension, seed, file, ...); never secrets. */
  readonly [key: string]: unknown;
}

/** One interface over every text embedding provider: texts in, one row per text out. */
export interface TextEmbedder {
  /** Output dimension when known before embedding (undefined: learnt from the first reply). */
  readonly dim: number | undefined;
  /** Embeds `texts` (rows in input order). */
  embed(texts: readonly string[]): Promise<Matrix>;
  /** Settings to record beside the embeddings. */
  info(): EmbedderInfo;
}
