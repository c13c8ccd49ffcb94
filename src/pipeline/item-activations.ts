import { existsSync } from "node:fs";
import type { Recommender } from "../models/types.js";
import type { Sae } from "../sae/types.js";
import {
  matrixFromTensor,
  readSafetensors,
  tensorFromMatrix,
  writeSafetensors,
} from "../store/safetensors.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { ENCODE_BATCH } from "./representations.js";

/**
 * Where an item's probing-site vector comes from:
 * - "onehot": E_c(onehot(i)), the model's encoder applied to a pseudo-user whose only interaction is
 *   item i (autoencoders: ELSA, EASE, MultVAE; sequential models encode the one-item sequence [i]);
 * - "item-embeddings": row i of `encodeItems()`, the item tower of a two-tower model (MF), which
 *   lives in the same inner-product space as the user vectors.
 */
export type ItemVectorSource = "onehot" | "item-embeddings";

/** File name of the stored item activations inside a run's concepts directory. */
export const ITEM_ACTIVATIONS_FILE = "item-activations.safetensors";

/** "item-embeddings" for two-tower models (they have both `encodeItems` and `score`), else "onehot". */
export function itemVectorSource(model: Recommender): ItemVectorSource {
  return model.encodeItems && model.score ? "item-embeddings" : "onehot";
}

/** Probing-site vectors of every item (items x model.dim), see {@link ItemVectorSource}. */
export function itemVectors(
  model: Recommender,
  source = itemVectorSource(model),
  batchSize = ENCODE_BATCH,
): Matrix {
  if (source === "item-embeddings") {
    if (!model.encodeItems) throw new Error(`model "${model.name}" has no item embeddings (encodeItems)`);
    return model.encodeItems();
  }
  const n = model.nItems;
  const out = new Matrix(n, model.dim);
  for (let s = 0; s < n; s += batchSize) {
    const m = Math.min(n, s + batchSize) - s;
    const rows = new Csr(
      m,
      n,
      Int32Array.from({ length: m + 1 }, (_, r) => r),
      Int32Array.from({ length: m }, (_, r) => s + r),
      new Float32Array(m).fill(1),
    );
    // sequential models encode the pseudo-user's history: the one-item sequence [i]
    const sequences = model.sequential
      ? Array.from({ length: m }, (_, r) => Int32Array.of(s + r))
      : undefined;
    out.data.set(model.encodeUsers({ rows, ...(sequences ? { sequences } : {}) }).data, s * model.dim);
  }
  return out;
}

/**
 * Item activations Z (items x dSae) for labelling: z_i = E_s(v_i) with v_i the item's vector
 * ({@link itemVectors}), i.e. E_s(E_c(onehot(i))) for autoencoders and the SAE code of the item
 * embedding for two-tower models. Dense, finite and non-negative (ReLU-family codes).
 */
export function itemActivations(
  model: Recommender,
  sae: Sae,
  source = itemVectorSource(model),
  batchSize = ENCODE_BATCH,
): Matrix {
  const v = itemVectors(model, source, batchSize);
  const z = new Matrix(v.rows, sae.dSae);
  for (let s = 0; s < v.rows; s += batchSize) {
    const e = Math.min(v.rows, s + batchSize);
    z.data.set(sae.encodeDense(v.rowRange(s, e)).data, s * sae.dSae);
  }
  return z;
}

/** Writes Z atomically as safetensors (tensor "Z"), recording its source and the SAE fingerprint. */
export function saveItemActivations(
  path: string,
  z: Matrix,
  meta: { source: ItemVectorSource; sae: string },
): void {
  writeSafetensors(
    path,
    { Z: tensorFromMatrix(z) },
    { format: "reclens-item-activations", source: meta.source, sae: meta.sae },
  );
}

/**
 * Reads Z stored by {@link saveItemActivations} when it exists and belongs to the SAE with
 * fingerprint `sae` and the expected shape; undefined otherwise (the caller recomputes it).
 */
export function loadItemActivations(
  path: string,
  sae: string,
  items: number,
  dSae: number,
): Matrix | undefined {
  if (!existsSync(path)) return undefined;
  const st = readSafetensors(path);
  if (st.metadata.sae !== sae) return undefined;
  const z = matrixFromTensor(st, "Z", path);
  return z.rows === items && z.cols === dSae ? z : undefined;
}
