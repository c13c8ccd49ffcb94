import { existsSync } from "node:fs";
import { join } from "node:path";
import { BadInput } from "../errors.js";
import type { Recommender } from "../models/types.js";
import { servingIndexOf } from "./serving.js";
import { ANN_META, UsearchItemIndex, type AnnIndexOptions } from "./usearch.js";

/** What {@link attachAnnIndex} did. */
export interface AnnAttachment {
  readonly dir: string;
  /** True when the index was built now (the directory held none). */
  readonly built: boolean;
  readonly items: number;
  readonly expansionSearch: number;
  readonly seconds: number;
}

/** Whether `dir` already holds a built index (attachAnnIndex then opens it instead of building). */
export function annIndexExists(dir: string): boolean {
  return existsSync(join(dir, ANN_META));
}

/**
 * Serves `model`'s top-n lists (unsteered and steered) through the usearch ANN index in `dir`:
 * opened by a memory-mapped view when `dir` holds one for the model's item vectors, built there
 * first when it holds none. Throws BadInput when the model's decoder is not linear in its
 * representation (NCF, MultVAE, EASE keep decode-and-rank) or when `dir` holds an index built from
 * other item vectors (rebuild it into a fresh directory).
 */
export function attachAnnIndex(model: Recommender, dir: string, opts: AnnIndexOptions = {}): AnnAttachment {
  const serving = servingIndexOf(model);
  if (!serving)
    throw new BadInput(
      `--ann: model "${model.name}" has no linear decoder (its scores are not q . v_i + b_i), so it cannot use an ANN index`,
      "ann",
    );
  const t0 = performance.now();
  const { items, bias } = serving.view.index;
  const built = !annIndexExists(dir);
  const ann = built
    ? UsearchItemIndex.build(dir, items, bias, opts)
    : UsearchItemIndex.open(dir, items, bias, opts);
  serving.useAnn(ann);
  return {
    dir,
    built,
    items: ann.size,
    expansionSearch: ann.expansionSearch,
    seconds: (performance.now() - t0) / 1000,
  };
}
