import type { UserBatch } from "../models/types.js";
import type { UserHistories } from "./user-histories.js";

/** A batch of workspace users and the workspace rows it holds, in batch order. */
export interface IndexedBatch {
  /** Workspace user rows of the batch's rows. */
  readonly users: Int32Array;
  readonly batch: UserBatch;
}

/** The batch of one workspace user (with the model's user id when the model knows the user). */
export function singleUserBatch(users: UserHistories, u: number): UserBatch {
  const rows = users.rows.gatherRows([u]);
  const id = users.modelUserIds?.[u] ?? -1;
  const seq = users.sequenceOf ? { sequences: [users.sequenceOf(u)] } : {};
  return id >= 0 ? { rows, userIds: Int32Array.of(id), ...seq } : { rows, ...seq };
}

/**
 * Batches of the given workspace users, at most `batchSize` rows each. A UserBatch either carries a
 * model user id for every row or none, so users the model knows and users it folds in go to
 * separate batches (each group keeps the given order).
 */
export function userBatches(users: UserHistories, list: ArrayLike<number>, batchSize = 1024): IndexedBatch[] {
  const known: number[] = [];
  const unknown: number[] = [];
  for (let t = 0; t < list.length; t++) {
    const u = list[t];
    if ((users.modelUserIds?.[u] ?? -1) >= 0) known.push(u);
    else unknown.push(u);
  }
  const out: IndexedBatch[] = [];
  for (const [group, withIds] of [
    [known, true],
    [unknown, false],
  ] as const) {
    for (let s = 0; s < group.length; s += batchSize) {
      const part = Int32Array.from(group.slice(s, s + batchSize));
      const rows = users.rows.gatherRows(part);
      const seq = users.sequenceOf ? { sequences: Array.from(part, users.sequenceOf) } : {};
      const batch: UserBatch = withIds
        ? { rows, userIds: part.map((u) => (users.modelUserIds as Int32Array)[u]), ...seq }
        : { rows, ...seq };
      out.push({ users: part, batch });
    }
  }
  return out;
}

/** `count` workspace rows evenly spaced over [0, total) (all of them when total <= count), ascending. */
export function evenSample(total: number, count: number): Int32Array {
  if (total <= count) return Int32Array.from({ length: total }, (_, i) => i);
  const out = new Int32Array(count);
  for (let t = 0; t < count; t++) out[t] = Math.floor((t * total) / count);
  return out;
}
