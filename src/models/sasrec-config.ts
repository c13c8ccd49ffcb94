import { z } from "zod";

/**
 * Config fields of SASRec's transformer backbone, shared by SASRec and SAERec (same defaults, Kang &
 * McAuley 2018 on sparse data). Spread first into a model's `z.object`, before its own fields.
 */
export const sasrecBackboneFields = {
  /** Hidden width d (the probing site). */
  dim: z.number().int().min(1).max(4096).default(64),
  /** Transformer blocks (of the sequence branch). */
  blocks: z.number().int().min(1).max(16).default(2),
  /** Attention heads; must divide dim (see {@link headsDivideDim}). */
  heads: z.number().int().min(1).max(16).default(1),
  /** Longest history used: the last maxLen items of a sequence. */
  maxLen: z.number().int().min(1).max(4096).default(50),
  /** Dropout on embeddings, attention weights and feed-forward layers (and a model's own branches). */
  dropout: z.number().min(0).lt(1).default(0.5),
  /** Feed-forward activation. */
  activation: z.enum(["relu", "gelu"]).default("relu"),
  /**
   * Block layout (sasrec-net.ts): "kang", the original's pre-LN blocks; "s3rec", the post-LN encoder
   * of the S3-Rec code base behind the CoSeRec/ICSRec baseline rows (embedding layer norm, 4d
   * feed-forward, N(0, 0.02) init). Its usual settings: heads 2, activation gelu, batch 256.
   */
  variant: z.enum(["kang", "s3rec"]).default("kang"),
};

/** Training fields of SASRec and SAERec (Adam, beta1 0.9); spread last into the `z.object`. */
export const sasrecTrainingFields = {
  epochs: z.number().int().min(1).default(200),
  /**
   * Adam's second-moment decay: 0.98 as the PyTorch port of Kang & McAuley; the S3-Rec code base
   * behind the published CoSeRec/ICSRec rows uses PyTorch's default 0.999.
   */
  beta2: z.number().gt(0).lt(1).default(0.98),
  /** Sequences per update. */
  batchSize: z.number().int().min(1).default(128),
  lr: z.number().positive().finite().default(1e-3),
  /** L2 penalty on the item embeddings (added to their gradient as l2 * E, Adam-coupled). */
  l2: z.number().min(0).finite().default(0),
  shuffle: z.boolean().default(true),
};

/** The `superRefine` check of a backbone config: `heads` must divide `dim`. */
export function headsDivideDim(c: { dim: number; heads: number }, ctx: z.RefinementCtx): void {
  if (c.dim % c.heads !== 0)
    ctx.addIssue({ code: "custom", message: `must divide dim ${c.dim}`, path: ["heads"], input: c.heads });
}
