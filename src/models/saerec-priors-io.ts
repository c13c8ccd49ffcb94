import type { TensorInput } from "../store/safetensors.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import type { ModelArtifact } from "./artifact.js";
import { checkPriors, type IntentPriors, type IntentStats } from "./saerec-retrieval.js";

/** What SAERec writes into model.json's `extra` about its intent library. */
export interface PriorsExtra {
  readonly intentLabels: string[];
  readonly intentSource: string | null;
}

/**
 * The intent library as tensors of the model's weights file (`priors.vectors`, `priors.confidence`,
 * `priors.df`, `priors.idf`, `priors.public`, the item activations as CSR parts
 * `priors.act_indptr` / `priors.act_indices` / `priors.act_values`) and labels for model.json.
 */
export function priorsTensors(
  p: IntentPriors,
  stats: IntentStats,
  publicIds: Int32Array,
): { tensors: Record<string, TensorInput>; extra: PriorsExtra } {
  const n = p.labels.length;
  const a = p.activations;
  return {
    tensors: {
      "priors.vectors": { shape: [p.vectors.rows, p.vectors.cols], data: p.vectors.data },
      "priors.confidence": { shape: [n], data: p.confidence },
      "priors.df": { shape: [n], data: stats.df },
      "priors.idf": { shape: [n], data: stats.idf },
      "priors.public": { shape: [publicIds.length], data: publicIds },
      "priors.act_indptr": { shape: [a.indptr.length], data: a.indptr },
      "priors.act_indices": { shape: [a.indices.length], data: a.indices },
      "priors.act_values": { shape: [a.values.length], data: a.values },
    },
    extra: { intentLabels: [...p.labels], intentSource: p.source ?? null },
  };
}

/** Reads back what {@link priorsTensors} wrote; errors name the model directory and the tensor. */
export function priorsFromArtifact(
  artifact: ModelArtifact,
  extra: PriorsExtra,
  nItems: number,
): { priors: IntentPriors; stats: IntentStats; publicIds: Int32Array } {
  const where = artifact.dir;
  const labels = extra?.intentLabels;
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== "string"))
    throw new Error(`${where}: model.json extra.intentLabels is missing or not a list of strings`);
  const get = (name: string, dtype: "F32" | "I32"): Float32Array | Int32Array => {
    const t = artifact.weights.tensors.get(name);
    if (!t) throw new Error(`${where}: tensor "${name}" is missing (the SAERec intent library)`);
    if (t.dtype !== dtype) throw new Error(`${where}: tensor "${name}" is ${t.dtype}, expected ${dtype}`);
    return t.data as Float32Array | Int32Array;
  };
  const n = labels.length;
  const vt = artifact.weights.tensors.get("priors.vectors");
  if (!vt || vt.shape.length !== 2 || vt.shape[0] !== n)
    throw new Error(`${where}: tensor "priors.vectors" is missing or not ${n} x dText`);
  const vectors = new Matrix(vt.shape[0], vt.shape[1], get("priors.vectors", "F32") as Float32Array);
  let activations: Csr;
  try {
    activations = new Csr(
      nItems,
      n,
      get("priors.act_indptr", "I32") as Int32Array,
      get("priors.act_indices", "I32") as Int32Array,
      get("priors.act_values", "F32") as Float32Array,
    );
  } catch (err) {
    throw new Error(`${where}: the stored item activations are damaged (${(err as Error).message})`);
  }
  const source = extra.intentSource;
  const priors: IntentPriors = {
    labels,
    confidence: get("priors.confidence", "F32") as Float32Array,
    vectors,
    activations,
    ...(typeof source === "string" ? { source } : {}),
  };
  checkPriors(where, priors, nItems);
  const df = get("priors.df", "F32") as Float32Array;
  const idf = get("priors.idf", "F32") as Float32Array;
  const publicIds = get("priors.public", "I32") as Int32Array;
  if (df.length !== n || idf.length !== n || publicIds.some((c) => c < 0 || c >= n))
    throw new Error(`${where}: the stored intent statistics do not match the ${n} intents`);
  return { priors, stats: { df, idf }, publicIds };
}
