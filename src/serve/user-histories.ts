import type { Csr } from "../tensor/csr.js";

/** The users the panel can show, one row each. */
export interface UserHistories {
  /** Display id of each user (unique). */
  readonly ids: readonly string[];
  /** users x items known interactions: what is encoded, and what lists exclude. */
  readonly rows: Csr;
  /**
   * Row of the model's training matrix for each user, -1 for users the model must fold in. Only
   * id-based models (MF) use it; autoencoders ignore it.
   */
  readonly modelUserIds?: Int32Array;
  /** Sequential models: user u's history in time order (oldest first), what they encode. */
  readonly sequenceOf?: (u: number) => Int32Array;
}
