import type { LabelsDoc } from "../concepts/labels.js";
import { withTagGroups } from "../concepts/tag-groups.js";
import type { Dataset, ItemConcepts } from "../data/types.js";
import { BadInput } from "../errors.js";
import type { Recommender } from "../models/types.js";
import type { Sae } from "../sae/types.js";
import { arvivConceptsOf } from "./arviv-protocol.js";
import { withArvivConcepts, type Population } from "./audience.js";
import type { EvalPart } from "./run-split.js";
import type { ModelRunContext } from "./run-context.js";

/**
 * What the item-side and segment interventions (promote --audience, suppress, nudge) run on, the
 * same for the CLI (a run directory) and the HTTP API (a served workspace).
 */
export interface InterventionEnv {
  /** The data, with Arviv et al.'s Table-1 concepts added as the family `arviv` when derivable. */
  readonly dataset: Dataset;
  readonly model: Recommender;
  readonly sae: Sae;
  readonly labels: LabelsDoc;
  /** Every dataset user with their full history (row u = dataset user u). */
  readonly population: Population;
  /** The run's held-out users (fold-in / target), for measures that need held-out items (nudge). */
  readonly heldOut?: { readonly test: EvalPart; readonly validation: EvalPart };
}

const conceptCache = new WeakMap<ModelRunContext, Dataset>();

/**
 * `dataset` with the concept families interventions resolve besides its own: the tag groups and
 * broad tags the labeller builds from a "tag" family (src/concepts/tag-groups.ts, so a label's
 * concept such as `tag group:hip-hop` or `broad tag:metal (all)` is also an audience or a concept to
 * suppress), and Arviv et al.'s family when `arviv` is given.
 */
export function interventionDataset(dataset: Dataset, arviv?: ItemConcepts): Dataset {
  const out = { ...dataset, concepts: withTagGroups(dataset.concepts) };
  return arviv ? withArvivConcepts(out, arviv) : out;
}

/**
 * The run's dataset with the intervention families of {@link interventionDataset}: tag groups, and
 * the Arviv concepts (Last.FM styles when the data folder holds user_taggedartists.dat, else ML-1M
 * genres + era compounds when the data has genres and years) when they apply. Computed once per run
 * context.
 */
export function runConceptDataset(ctx: ModelRunContext): Dataset {
  const hit = conceptCache.get(ctx);
  if (hit) return hit;
  let arviv: ItemConcepts | undefined;
  try {
    arviv = arvivConceptsOf(ctx);
  } catch (err) {
    if (!(err instanceof BadInput)) throw err;
  }
  const out = interventionDataset(ctx.dataset, arviv);
  conceptCache.set(ctx, out);
  return out;
}

/** All dataset users with their full histories, MF training users with their model ids. */
export function runPopulation(ctx: ModelRunContext): Population {
  return { ids: ctx.dataset.users, rows: ctx.dataset.matrix, modelUserIds: ctx.modelUserIds };
}

/** The intervention environment of a model run with its SAE and labels. */
export function runInterventionEnv(ctx: ModelRunContext, sae: Sae, labels: LabelsDoc): InterventionEnv {
  const { test, validation } = ctx.split;
  return {
    dataset: runConceptDataset(ctx),
    model: ctx.model,
    sae,
    labels,
    population: runPopulation(ctx),
    ...(test.users.length > 0 ? { heldOut: { test, validation } } : {}),
  };
}
