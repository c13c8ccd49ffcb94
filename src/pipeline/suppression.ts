import { BadInput } from "../errors.js";
import type { Recommender } from "../models/types.js";
import type { Sae, SparseCode } from "../sae/types.js";
import { suppressGenreForUsers, suppressGenreOnItems } from "../steer/genre-suppression.js";
import { populationBatches, type Population, type ResolvedConcept } from "./audience.js";

/**
 * The genre-suppression service (`reclens suppress`, POST /api/suppress): switch off the concept's
 * latents (by default in the codes of the concept's items, as seen by the chosen users; or in every
 * item holding them; or in the chosen users' codes; the SAE reconstruction
 * error is added back either way, so "before" is the model itself) and measure the concept's share
 * of the chosen users' top-n and the order of the rest.
 *
 * The concept's latents (unless given): every latent with at least {@link MIN_LATENT_ITEMS} items
 * activating it whose share of item-side activation mass on concept items is at least
 * b + tau (1 - b), b the concept's share of all items (its base rate) and tau the `enrichment`
 * (default {@link DEFAULT_ENRICHMENT}): a latent that fires on concept items clearly more than chance.
 */

/** Default enrichment tau of the latent selection rule. */
export const DEFAULT_ENRICHMENT = 0.1;
/** A concept latent must fire on at least this many items. */
export const MIN_LATENT_ITEMS = 5;

/** Latents aligned with the concept on the item side (see the module comment), ascending. */
export function conceptLatents(
  model: Recommender,
  sae: Sae,
  concept: ResolvedConcept,
  enrichment = DEFAULT_ENRICHMENT,
): number[] {
  if (!(enrichment >= 0 && enrichment < 1))
    throw new BadInput(`enrichment must be in [0, 1), got ${enrichment}`, "enrichment");
  if (!model.encodeItems) return [];
  const { mass, inConcept: inC, count } = latentItemMass(sae.encode(model.encodeItems()), sae.dSae, concept);
  const b = concept.itemCount / Math.max(1, concept.items.length);
  const threshold = b + enrichment * (1 - b);
  const out: number[] = [];
  for (let j = 0; j < sae.dSae; j++)
    if (count[j] >= MIN_LATENT_ITEMS && mass[j] > 0 && inC[j] / mass[j] >= threshold) out.push(j);
  return out;
}

/** Per latent, summed over the items' SAE codes: activation mass, the mass on concept items, items firing it. */
export interface LatentItemMass {
  readonly mass: Float64Array;
  /** Mass on the concept's items (all zero without a concept). */
  readonly inConcept: Float64Array;
  readonly count: Float64Array;
}

/** The item-side activation mass of each of `dSae` latents in `code` (one row per item). */
export function latentItemMass(code: SparseCode, dSae: number, concept?: ResolvedConcept): LatentItemMass {
  const mass = new Float64Array(dSae);
  const inConcept = new Float64Array(dSae);
  const count = new Float64Array(dSae);
  for (let i = 0; i < code.rows; i++)
    for (let p = code.indptr[i]; p < code.indptr[i + 1]; p++) {
      const j = code.indices[p];
      mass[j] += code.values[p];
      count[j]++;
      if (concept?.items[i]) inConcept[j] += code.values[p];
    }
  return { mass, inConcept, count };
}

/**
 * Where the latents are switched off: "items" (default; in every item's code, the users ranking the
 * edited items; needs item vectors) or "users" (in the users' codes).
 */
export type SuppressionSide = "items" | "users";

/** What to suppress for whom. */
export interface SuppressionRequest {
  readonly concept: ResolvedConcept;
  /** Population rows of the users. */
  readonly users: Int32Array;
  /** Latents to switch off; {@link conceptLatents} when undefined. */
  readonly neurons?: readonly number[];
  readonly enrichment?: number;
  /** Suppression factors (0 = off), one result each. */
  readonly factors?: readonly number[];
  readonly n: number;
  /** Default "items" when the model has item vectors, else "users". */
  readonly side?: SuppressionSide;
  /** Item side: edit only the concept's items (default true; false: every item holding the latents). */
  readonly conceptItemsOnly?: boolean;
}

/** Effect of one factor. */
export interface SuppressionPoint {
  readonly factor: number;
  /** Mean share of concept items in the users' top-n. */
  readonly shareBefore: number;
  readonly shareAfter: number;
  /** 1 - after / before (0 when before is 0). */
  readonly shareDrop: number;
  /** Mean RBO of the lists without concept items, after vs before (users whose list had any). */
  readonly rboRest: number;
}

/** Result of {@link suppressConcept}. */
export interface SuppressionResult {
  readonly side: SuppressionSide;
  readonly users: number;
  readonly neurons: number[];
  readonly points: SuppressionPoint[];
}

/** Runs the suppression over the users in batches (see the module comment). */
export function suppressConcept(
  model: Recommender,
  sae: Sae,
  pop: Population,
  req: SuppressionRequest,
): SuppressionResult {
  if (req.users.length === 0) throw new BadInput("users: no user matches", "users");
  if (!(Number.isInteger(req.n) && req.n >= 1))
    throw new BadInput(`n must be a positive integer, got ${req.n}`, "n");
  const neurons = req.neurons ? [...req.neurons] : conceptLatents(model, sae, req.concept, req.enrichment);
  if (neurons.length === 0)
    throw new BadInput(
      `neurons: no latent is aligned with ${req.concept.family} ${req.concept.names.join("|")}; lower the enrichment or name neurons`,
      "neurons",
    );
  for (const j of neurons)
    if (!(Number.isInteger(j) && j >= 0 && j < sae.dSae))
      throw new BadInput(`neurons: neuron ${j} out of range [0, ${sae.dSae})`, "neurons");
  const factors = req.factors ?? [0];
  for (const f of factors)
    if (!(f >= 0 && f <= 1)) throw new BadInput(`factor must be in [0, 1], got ${f}`, "factor");
  const side = req.side ?? (model.encodeItems ? "items" : "users");
  if (side === "items" && !model.encodeItems)
    throw new BadInput(`side: model "${model.name}" has no item vectors; use side "users"`, "side");
  const run = side === "items" ? suppressGenreOnItems : suppressGenreForUsers;
  const genreItems = Int32Array.from(req.concept.items.keys()).filter((i) => req.concept.items[i] === 1);
  const points = factors.map((factor): SuppressionPoint => {
    let before = 0;
    let after = 0;
    let rbo = 0;
    let rboUsers = 0;
    let m = 0;
    for (const { batch } of populationBatches(pop, req.users)) {
      const r = run(model, sae, batch, {
        neurons,
        genreItems,
        n: req.n,
        factor,
        genreItemsOnly: req.conceptItemsOnly ?? true,
      });
      const k = batch.rows.rows;
      before += r.shareBefore.mean * k;
      after += r.shareAfter.mean * k;
      rbo += r.rboRest.mean * r.rboRestUsers;
      rboUsers += r.rboRestUsers;
      m += k;
    }
    const sb = before / m;
    const sa = after / m;
    return {
      factor,
      shareBefore: sb,
      shareAfter: sa,
      shareDrop: sb > 0 ? 1 - sa / sb : 0,
      rboRest: rboUsers > 0 ? rbo / rboUsers : 1,
    };
  });
  return { side, users: req.users.length, neurons, points };
}
