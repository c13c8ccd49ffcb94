import { resolve } from "node:path";
import type { Dataset } from "../data/types.js";
import { BadInput, Unavailable } from "../errors.js";
import { alignIntentLibrary, readIntentLibrary } from "../intents/library.js";
import { SaeRec } from "../models/saerec.js";
import { explainSaerec, type SaerecExplanation } from "../models/saerec-explain.js";
import type { Recommender } from "../models/types.js";
import { timeOrderedItems } from "../data/splits/index.js";
import { userIndex } from "./ids.js";
import { listedItem, type ListedItem } from "./recommend-run.js";
import type { ModelRunContext } from "./run-context.js";

/**
 * `reclens train saerec --intents <dir>`: reads the intent library, aligns its items to the
 * dataset's (by external id) and attaches it to the model before training. Refuses a model other
 * than saerec, and a library that matches none of the dataset's items. Returns what the run records.
 */
export function attachIntentLibrary(
  model: Recommender,
  dir: string,
  dataset: Dataset,
): { dir: string; intents: number; matchedItems: number } {
  if (!(model instanceof SaeRec))
    throw new BadInput(`--intents applies to the saerec model only, not to ${model.name}`, "intents");
  const lib = readIntentLibrary(dir);
  const { activations, matched } = alignIntentLibrary(lib, dataset.items);
  if (matched === 0)
    throw new BadInput(
      `${dir}: the intent library shares no item id with ${dataset.name} (library ids like "${lib.itemIds[0] ?? ""}", data ids like "${dataset.items[0] ?? ""}")`,
      "intents",
    );
  const abs = resolve(dir);
  model.attachIntents({
    labels: lib.labels,
    confidence: lib.confidence,
    vectors: lib.vectors,
    activations,
    source: abs,
  });
  return { dir: abs, intents: lib.labels.length, matchedItems: matched };
}

/** One item of an explained list, by original id. */
export interface ExplainedListItem extends ListedItem {
  readonly score: number;
  readonly sequence: number;
  readonly bias: number;
  readonly intents: SaerecExplanation["items"][number]["intents"];
}

/** `recommend --explain` for a SAERec run: the user's intents and each item's score split. */
export interface SaerecUserExplanation {
  readonly user: string;
  readonly intents: SaerecExplanation["intents"];
  readonly off: { intent: number; label: string }[];
  readonly items: ExplainedListItem[];
}

/**
 * Resolves intents named by label (exact, case-insensitive) or library index; errors name the
 * unknown name. Labels shared by several intents are refused (use the index).
 */
export function resolveIntents(model: SaeRec, names: readonly string[]): number[] {
  const labels = model.internals().priors.labels;
  return names.map((name) => {
    if (/^\d+$/.test(name)) {
      const i = Number(name);
      if (i >= labels.length)
        throw new BadInput(`intent ${i} does not exist (the library has ${labels.length})`, "off");
      return i;
    }
    const hits = labels.flatMap((l, i) => (l.toLowerCase() === name.toLowerCase() ? [i] : []));
    if (hits.length === 0) throw new BadInput(`no intent is labelled "${name}"`, "off");
    if (hits.length > 1)
      throw new BadInput(`"${name}" labels intents ${hits.join(", ")}; name one by index`, "off");
    return hits[0];
  });
}

/**
 * The SAERec explanation of the user with original id `userId` (their whole history in time order,
 * seen items excluded): the top-n items, each with its score split into the sequence part, one part
 * per retrieved intent and a bias part (they sum to the score), and the user's intents with their
 * attention. `off` (labels or indices) switches intents off for this user and re-ranks.
 */
export function explainSaerecForUser(
  ctx: Pick<ModelRunContext, "dir" | "model" | "dataset">,
  userId: string,
  opts: { n?: number; off?: readonly string[] } = {},
): SaerecUserExplanation {
  const model = ctx.model;
  if (!(model instanceof SaeRec) || model.branches.length === 0)
    throw new Unavailable(
      `${ctx.dir}: --explain by intents needs a saerec run with intent branches (this is ${model.name}${model instanceof SaeRec ? ", intents none" : ""})`,
    );
  const u = userIndex(ctx.dataset, userId);
  const off = resolveIntents(model, opts.off ?? []);
  const ex = explainSaerec(model, timeOrderedItems(ctx.dataset, u), { n: opts.n ?? 10, off });
  const labels = model.internals().priors.labels;
  return {
    user: userId,
    intents: ex.intents,
    off: ex.off.map((i) => ({ intent: i, label: labels[i] })),
    items: ex.items.map((it) => ({
      ...listedItem(ctx, it.item),
      score: it.score,
      sequence: it.sequence,
      bias: it.bias,
      intents: it.intents,
    })),
  };
}
