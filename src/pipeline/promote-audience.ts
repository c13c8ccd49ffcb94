import { BadInput } from "../errors.js";
import type { Recommender } from "../models/types.js";
import type { Sae } from "../sae/types.js";
import type { Matrix } from "../tensor/matrix.js";
import {
  addLatentAlignment,
  itemLatentDirections,
  promoteForBatch,
  type LatentAlignmentSums,
} from "../steer/promote-audience.js";
import { evenSubset, populationBatches, type Population, type ResolvedConcept } from "./audience.js";
import { checkPromotion } from "./promotion.js";
import { latentItemMass } from "./suppression.js";

/**
 * The audience promotion service (`reclens promote --audience`, POST /api/items/:id/promote-audience,
 * the panel's editor): raise one latent in the ITEM's SAE code and measure the item's rank
 * in the target audience's lists (steer/promote-audience.ts).
 *
 * Neuron choice (unless given): every latent j is scored by how much one unit of it raises the
 * item's score, in standard deviations of each user's scores, for the audience (a_A) and for a
 * sample of the other users (a_O). The chosen latent maximises a_A - a_O among latents that raise
 * the item for every audience user (then the audience's mean rank can only improve with strength),
 * else for at least {@link MIN_POSITIVE_SHARE} of it, else among all: aligned with the audience's
 * taste rather than with everybody's (a latent that lifts the item for everyone is mere popularity).
 */

/** A latent must raise the item's score for at least this share of the audience to be chosen. */
export const MIN_POSITIVE_SHARE = 0.9;
/** Other users sampled (evenly) for the contrast and for the collateral share. */
export const OTHERS_SAMPLE = 1000;

/** What to promote, in dense ids. */
export interface AudiencePromotionRequest {
  readonly item: number;
  /** Latent to raise; chosen automatically when undefined. */
  readonly neuron?: number;
  readonly strengths: readonly number[];
  readonly n: number;
}

/** How the latent was chosen, and how it relates to the audience. */
export interface NeuronChoice {
  readonly neuron: number;
  readonly auto: boolean;
  /** Mean score gain per unit strength, in the users' score standard deviations: audience / others. */
  readonly audienceGain: number;
  readonly othersGain: number;
  /** Share of the audience for whom the latent raises the item's score. */
  readonly audiencePositive: number;
  /** Share of the latent's item-side activation mass on concept items (concept audiences only). */
  readonly conceptShare?: number;
  /** The latent's mean non-zero activation over items (the scale for strengths). */
  readonly meanItemActivation: number;
}

/** Effect of one strength on the audience. */
export interface AudiencePromotionPoint {
  readonly strength: number;
  /** Mean 1-based rank of the item over audience users who have not seen it. */
  readonly meanRankBefore: number;
  readonly meanRankAfter: number;
  readonly medianRankAfter: number;
  /** Share of those users with the item in their top-n, before / after. */
  readonly shareInTopNBefore: number;
  readonly shareInTopN: number;
  /** Mean RBO of the rest of their top-n (item taken out) vs the original rest. */
  readonly rboRest: number;
  /** Collateral: share of the sampled other users with the item in their top-n, before / after. */
  readonly othersShareInTopNBefore: number;
  readonly othersShareInTopN: number;
}

/** Result of {@link promoteToAudience}. */
export interface AudiencePromotionResult {
  readonly audienceUsers: number;
  /** Audience users who have not interacted with the item (the ones measured). */
  readonly eligibleUsers: number;
  readonly othersSampled: number;
  readonly choice: NeuronChoice;
  readonly points: AudiencePromotionPoint[];
}

/** Promotes the item to the audience (population rows) and measures it; see the module comment. */
export function promoteToAudience(
  model: Recommender,
  sae: Sae,
  pop: Population,
  audience: Int32Array,
  req: AudiencePromotionRequest,
  concept?: ResolvedConcept,
): AudiencePromotionResult {
  checkPromotion(model, sae, { ...req, neuron: req.neuron ?? 0 });
  if (audience.length === 0) throw new BadInput("audience: no user belongs to the audience", "audience");
  const inAudience = new Uint8Array(pop.rows.rows);
  for (const u of audience) inAudience[u] = 1;
  const rest: number[] = [];
  for (let u = 0; u < pop.rows.rows; u++) if (!inAudience[u]) rest.push(u);
  const others = evenSubset(Int32Array.from(rest), OTHERS_SAMPLE);
  const choice = chooseNeuron(model, sae, pop, audience, others, req, concept);
  const opts = { item: req.item, neuron: choice.neuron, strengths: req.strengths, n: req.n };
  const aud = measure(model, sae, pop, audience, opts);
  const oth = measure(model, sae, pop, others, opts);
  return {
    audienceUsers: audience.length,
    eligibleUsers: aud.eligible,
    othersSampled: others.length,
    choice,
    points: req.strengths.map((strength, q) => ({
      strength,
      meanRankBefore: aud.meanBefore,
      meanRankAfter: aud.meanAfter[q],
      medianRankAfter: aud.medianAfter[q],
      shareInTopNBefore: aud.shareBefore,
      shareInTopN: aud.shareAfter[q],
      rboRest: aud.rbo[q],
      othersShareInTopNBefore: oth.shareBefore,
      othersShareInTopN: oth.shareAfter[q],
    })),
  };
}

function chooseNeuron(
  model: Recommender,
  sae: Sae,
  pop: Population,
  audience: Int32Array,
  others: Int32Array,
  req: AudiencePromotionRequest,
  concept: ResolvedConcept | undefined,
): NeuronChoice {
  const items = (model.encodeItems as () => Matrix).call(model);
  const dirs = itemLatentDirections(sae, items.row(req.item).slice());
  const sums = (list: Int32Array): LatentAlignmentSums | undefined => {
    let acc: LatentAlignmentSums | undefined;
    for (const { batch } of populationBatches(pop, list)) acc = addLatentAlignment(model, dirs, batch, acc);
    return acc;
  };
  const a = sums(audience) as LatentAlignmentSums;
  const o = sums(others);
  const gainA = (j: number): number => a.gain[j] / a.users;
  const gainO = (j: number): number => (o && o.users > 0 ? o.gain[j] / o.users : 0);
  const posA = (j: number): number => a.positive[j] / a.users;
  const { mass, inConcept, count } = latentItemMass(sae.encode(items), sae.dSae, concept);
  let neuron = req.neuron ?? -1;
  if (neuron < 0) {
    let best = -Infinity;
    for (const floor of [1, MIN_POSITIVE_SHARE, 0]) {
      for (let j = 0; j < sae.dSae; j++) {
        if (posA(j) < floor) continue;
        const score = gainA(j) - gainO(j);
        if (score > best) {
          best = score;
          neuron = j;
        }
      }
      if (neuron >= 0) break;
    }
  }
  return {
    neuron,
    auto: req.neuron === undefined,
    audienceGain: gainA(neuron),
    othersGain: gainO(neuron),
    audiencePositive: posA(neuron),
    ...(concept ? { conceptShare: mass[neuron] > 0 ? inConcept[neuron] / mass[neuron] : 0 } : {}),
    meanItemActivation: count[neuron] > 0 ? mass[neuron] / count[neuron] : 0,
  };
}

interface Measured {
  eligible: number;
  meanBefore: number;
  shareBefore: number;
  meanAfter: number[];
  medianAfter: number[];
  shareAfter: number[];
  rbo: number[];
}

function measure(
  model: Recommender,
  sae: Sae,
  pop: Population,
  users: Int32Array,
  opts: { item: number; neuron: number; strengths: readonly number[]; n: number },
): Measured {
  const before: number[] = [];
  const after = opts.strengths.map((): number[] => []);
  const rbo = opts.strengths.map(() => 0);
  for (const { batch } of populationBatches(pop, users)) {
    const r = promoteForBatch(model, sae, batch, opts);
    for (let u = 0; u < r.rankBefore.length; u++) {
      if (r.rankBefore[u] === 0) continue;
      before.push(r.rankBefore[u]);
      opts.strengths.forEach((_, q) => {
        after[q].push(r.rankAfter[q][u]);
        rbo[q] += r.rboRest[q][u];
      });
    }
  }
  const m = before.length;
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
  const share = (xs: number[]): number => (xs.length ? xs.filter((r) => r <= opts.n).length / xs.length : 0);
  const median = (xs: number[]): number => {
    if (!xs.length) return 0;
    const s = [...xs].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return {
    eligible: m,
    meanBefore: mean(before),
    shareBefore: share(before),
    meanAfter: after.map(mean),
    medianAfter: after.map(median),
    shareAfter: after.map(share),
    rbo: rbo.map((s) => (m ? s / m : 1)),
  };
}
