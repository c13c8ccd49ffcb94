import { timeOrderedItems } from "../data/splits/index.js";
import { partBatch, type UserBatch } from "../models/types.js";
import { ENCODE_BATCH } from "./representations.js";
import type { ModelRunContext } from "./run-context.js";
import { progressTask } from "../store/progress.js";

/** Which users an export covers: a part of the run's split, or every dataset user ("all"). */
export type ExportPart = "all" | "train" | "validation" | "test";

/** One batch of users as the model sees them, with their dataset indices. */
export interface ExportUserBatch {
  /** Dataset user index of each row. */
  readonly users: Int32Array;
  readonly batch: UserBatch;
}

/**
 * The users of `part` in batches of at most `size`, each encoded as the run's own stages encode
 * them: "test"/"validation" from their fold-in rows as evaluation does (so seen = fold-in), "train"
 * from their training rows with their model ids, and "all" from each user's whole history as
 * `reclens recommend` does (training users with their model ids, the others folded in, in separate
 * batches so every batch is uniform). Progress (users done of the part, ETA) goes to stderr on a TTY.
 */
export function* exportUserBatches(
  ctx: ModelRunContext,
  part: ExportPart,
  size = ENCODE_BATCH,
): Generator<ExportUserBatch> {
  const total =
    part === "test"
      ? ctx.split.test.users.length
      : part === "validation"
        ? ctx.split.validation.users.length
        : part === "train"
          ? ctx.split.train.rows
          : ctx.dataset.users.length;
  const progress = progressTask(`export ${part} users`, total);
  for (const b of userBatches(ctx, part, size)) {
    yield b;
    progress.tick(b.users.length);
  }
  progress.finish();
}

/** The batches of {@link exportUserBatches}, without progress. */
function* userBatches(ctx: ModelRunContext, part: ExportPart, size: number): Generator<ExportUserBatch> {
  const seq = ctx.model.sequential;
  if (part === "validation" || part === "test") {
    const p = part === "test" ? ctx.split.test : ctx.split.validation;
    for (let s = 0; s < p.users.length; s += size) {
      const e = Math.min(p.users.length, s + size);
      yield { users: p.users.subarray(s, e), batch: partBatch(p, s, e) };
    }
    return;
  }
  if (part === "train") {
    const { train, trainUsers, trainSequences } = ctx.split;
    for (let s = 0; s < train.rows; s += size) {
      const e = Math.min(train.rows, s + size);
      const ids = Int32Array.from({ length: e - s }, (_, r) => s + r);
      yield {
        users: trainUsers.subarray(s, e),
        batch: {
          rows: train.rowRange(s, e),
          userIds: ids,
          ...(trainSequences ? { sequences: trainSequences.slice(s, e) } : {}),
        },
      };
    }
    return;
  }
  const all = Array.from({ length: ctx.dataset.users.length }, (_, u) => u);
  for (const known of [true, false]) {
    const users = Int32Array.from(all.filter((u) => ctx.modelUserIds[u] >= 0 === known));
    for (let s = 0; s < users.length; s += size) {
      const us = users.subarray(s, Math.min(users.length, s + size));
      yield {
        users: us,
        batch: {
          rows: ctx.dataset.matrix.gatherRows(Array.from(us)),
          ...(known ? { userIds: Int32Array.from(us, (u) => ctx.modelUserIds[u]) } : {}),
          ...(seq ? { sequences: Array.from(us, (u) => timeOrderedItems(ctx.dataset, u)) } : {}),
        },
      };
    }
  }
}
