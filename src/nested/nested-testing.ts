import { codeFromDense, codeToDense } from "../sae/code.js";
import type { Sae, SparseCode } from "../sae/types.js";
import { Matrix } from "../tensor/matrix.js";

/** Test doubles for the nested model (not used by library code). */

/**
 * A Sae whose code is the input itself (every non-zero of x, including negatives) and whose decoder
 * reproduces it exactly, optionally followed by `distort` applied to the decoded matrix in place.
 */
export function identitySae(d: number, distort?: (m: Matrix) => void): Sae {
  const decode = (code: SparseCode): Matrix => {
    const m = codeToDense(code);
    distort?.(m);
    return m;
  };
  return {
    config: { architecture: "identity", dIn: d, dSae: d, normalisation: "none", bDecInit: "zero" },
    architecture: "identity",
    dIn: d,
    dSae: d,
    encode: (x) => codeFromDense(x),
    encodeDense: (x) => x.clone(),
    preActivations: (x) => x.clone(),
    decode,
    reconstruct: (x) => decode(codeFromDense(x)),
    atom: (j) => {
      const a = new Float32Array(d);
      a[j] = 1;
      return a;
    },
    tensors: () => ({}),
  };
}
