import { bernoulliKlOfMeans } from "../../tensor/autograd/loss-regularisers.js";
import type { SparseCode } from "../types.js";

const CLAMP = 1e-6;

/**
 * Bernoulli-KL sparsity penalty sum_j KL(rho || rho_hat_j), where rho_hat_j is the batch mean of
 * the soft firing indicator tanh(z_ij) (0 for inactive latents), clamped to [1e-6, 1 - 1e-6]
 * (no gradient through the clamp). With `dVals` it adds `scale` * dL/dz for each stored entry.
 * Returns the unscaled value.
 */
export function klLoss(code: SparseCode, target: number, dVals: Float32Array | null, scale: number): number {
  const B = code.rows;
  const m = code.dSae;
  if (B === 0) return 0;
  const nnz = code.indptr[B];
  const soft = new Float64Array(m);
  for (let p = 0; p < nnz; p++) soft[code.indices[p]] += Math.tanh(code.values[p]);
  const dRho = new Float64Array(m);
  const total = bernoulliKlOfMeans(soft, B, target, CLAMP, dRho);
  if (dVals) {
    for (let p = 0; p < nnz; p++) {
      const t = Math.tanh(code.values[p]);
      dVals[p] += (scale / B) * dRho[code.indices[p]] * (1 - t * t);
    }
  }
  return total;
}
