import type { Dataset } from "../data/types.js";
import { NotFound } from "../errors.js";

/**
 * The NotFound of an unknown user or item id, worded the same for the CLI and the HTTP API:
 * `user "x" not found (943 users, e.g. "1", "2", ...)`; `field` names the input at fault.
 */
export function unknownIdError(ids: readonly string[], id: string, what: string, field?: string): NotFound {
  const sample = ids.slice(0, 5).map((s) => `"${s}"`);
  return new NotFound(
    `${what} ${JSON.stringify(id)} not found (${ids.length} ${what}s, e.g. ${sample.join(", ")}${ids.length > 5 ? ", ..." : ""})`,
    field,
  );
}

/** Row of `id` in `ids` (through `index` when given); NotFound ({@link unknownIdError}) when absent. */
export function findId(
  ids: readonly string[],
  id: string,
  what: string,
  field?: string,
  index?: ReadonlyMap<string, number>,
): number {
  const i = index ? (index.get(id) ?? -1) : ids.indexOf(id);
  if (i >= 0) return i;
  throw unknownIdError(ids, id, what, field);
}

/** Dense row of the user with original id `id`; NotFound for an unknown id. */
export function userIndex(dataset: Dataset, id: string, field = "user"): number {
  return findId(dataset.users, id, "user", field);
}

/** Dense column of the item with original id `id`; NotFound for an unknown id. */
export function itemIndex(dataset: Dataset, id: string, field = "item"): number {
  return findId(dataset.items, id, "item", field);
}
