import type { Dataset } from "../data/types.js";

function lookup(ids: readonly string[], id: string, what: string, dataset: string): number {
  const i = ids.indexOf(id);
  if (i >= 0) return i;
  const sample = ids.slice(0, 5).map((s) => `"${s}"`);
  throw new Error(
    `unknown ${what} id "${id}" in ${dataset} (${ids.length} ${what}s, e.g. ${sample.join(", ")}${ids.length > 5 ? ", ..." : ""})`,
  );
}

/** Dense row of the user with original id `id`; throws a clear error for an unknown id. */
export function userIndex(dataset: Dataset, id: string): number {
  return lookup(dataset.users, id, "user", dataset.name);
}

/** Dense column of the item with original id `id`; throws a clear error for an unknown id. */
export function itemIndex(dataset: Dataset, id: string): number {
  return lookup(dataset.items, id, "item", dataset.name);
}
