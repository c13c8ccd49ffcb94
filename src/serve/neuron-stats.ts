import {
  neuronActivity,
  topActivatingItems,
  type NeuronActivity,
  type TopItems,
} from "../concepts/activations.js";
import type { Recommender } from "../models/types.js";
import type { Sae } from "../sae/types.js";
import { itemActivations } from "../pipeline/item-activations.js";
import { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";
import { evenSample, userBatches } from "./user-batches.js";
import type { UserHistories } from "./user-histories.js";

/** Top activating items kept per neuron. */
export const TOP_ITEMS_KEPT = 50;

/** Per-neuron statistics precomputed once for the panel. */
export interface NeuronStats {
  readonly dSae: number;
  /** Item activations Z (items x neurons). */
  readonly itemActivations: Matrix;
  /** Support and largest activation of each neuron over items. */
  readonly activity: NeuronActivity;
  /** The TOP_ITEMS_KEPT top activating items of each neuron. */
  readonly top: TopItems;
  /** Users whose codes the firing statistics below count (an evenly spaced sample). */
  readonly usersConsidered: number;
  /** Of those, how many activate each neuron. */
  readonly firingCount: Int32Array;
  /** Mean activation of each neuron over the users it fires for (0 when it never fires). */
  readonly meanActivation: Float32Array;
  /** neurons x usersConsidered: each neuron's activation for each sampled user (for histograms). */
  readonly userActivations: Csr;
}

/** Options of {@link computeNeuronStats}. */
export interface NeuronStatsOptions {
  /** Precomputed Z (items x neurons); computed by the pipeline's `itemActivations` when absent. */
  readonly itemActivations?: Matrix;
  /** Users encoded at most (evenly spaced sample). */
  readonly maxUsers: number;
}

/** Item statistics from Z plus firing statistics over (a sample of) the users' codes. */
export function computeNeuronStats(
  model: Recommender,
  sae: Sae,
  users: UserHistories,
  opts: NeuronStatsOptions,
): NeuronStats {
  const z = opts.itemActivations ?? itemActivations(model, sae);
  if (z.rows !== model.nItems || z.cols !== sae.dSae)
    throw new RangeError(`workspace: item activations are ${z.shape}, expected ${model.nItems}x${sae.dSae}`);
  const sample = evenSample(users.rows.rows, opts.maxUsers);
  const position = new Map<number, number>();
  sample.forEach((u, t) => position.set(u, t));
  const firingCount = new Int32Array(sae.dSae);
  const sums = new Float64Array(sae.dSae);
  const neurons: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (const { users: part, batch } of userBatches(users, sample)) {
    const code = sae.encode(model.encodeUsers(batch));
    for (let r = 0; r < code.rows; r++) {
      const col = position.get(part[r]) as number;
      for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) {
        const j = code.indices[p];
        firingCount[j]++;
        sums[j] += code.values[p];
        neurons.push(j);
        cols.push(col);
        values.push(code.values[p]);
      }
    }
  }
  const meanActivation = new Float32Array(sae.dSae);
  for (let j = 0; j < sae.dSae; j++) meanActivation[j] = firingCount[j] > 0 ? sums[j] / firingCount[j] : 0;
  return {
    dSae: sae.dSae,
    itemActivations: z,
    activity: neuronActivity(z),
    top: topActivatingItems(z, Math.min(TOP_ITEMS_KEPT, Math.max(1, z.rows))),
    usersConsidered: sample.length,
    firingCount,
    meanActivation,
    userActivations: Csr.fromTriplets(sae.dSae, sample.length, neurons, cols, values),
  };
}
