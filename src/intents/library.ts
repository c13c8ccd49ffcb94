import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BadInput, NotFound } from "../errors.js";
import { readSafetensors, type SafetensorsContents } from "../store/safetensors.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";

/** Format tag written into intents.json. */
export const INTENTS_FORMAT = "reclens-intents/1";
/** The JSON description of a library (labels, confidences, top items, provider, item ids). */
export const INTENTS_JSON = "intents.json";
/** Intent vectors and per-item activations (CSR parts) as safetensors. */
export const INTENTS_TENSORS = "intents.safetensors";
/** Sub-folder holding the full SAE (SAELens layout) the intents were kept from. */
export const INTENTS_SAE_DIR = "sae";

/** A built intent library: intents = kept SAE latents over item-text embeddings. */
export interface IntentLibrary {
  /** External item ids (dataset item ids as strings) in the library's row order. */
  readonly itemIds: readonly string[];
  /** Display label per intent. */
  readonly labels: readonly string[];
  /** Built-in (TF-IDF detector) confidence per intent, in [0, 1]. */
  readonly confidence: Float32Array;
  /** Intent vectors: the SAE encoder rows of the kept latents, numIntents x dText. */
  readonly vectors: Matrix;
  /** Per-item intent activations, numItems x numIntents (CSR, src/tensor/csr.ts). */
  readonly itemActivations: Csr;
  /** The SAE latent each intent was kept from (same order as labels). */
  readonly latents?: Int32Array;
  /** LLM label per intent when an endpoint labelled the library. */
  readonly llmLabels?: readonly (string | undefined)[];
  /** LLM confidence per intent (NaN where none), when an endpoint labelled the library. */
  readonly llmConfidence?: Float32Array;
}

function tensor(contents: SafetensorsContents, name: string, path: string, dtype: "F32" | "I32") {
  const t = contents.tensors.get(name);
  if (!t) throw new BadInput(`${path}: tensor "${name}" is missing`, name);
  if (t.dtype !== dtype)
    throw new BadInput(`${path}: tensor "${name}" has dtype ${t.dtype}, expected ${dtype}`, name);
  return t;
}

function stringArray(v: unknown, path: string, field: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
    throw new BadInput(`${path}: "${field}" must be an array of strings`, field);
  return v as string[];
}

/** Reads a library directory written by `reclens intents build`. */
export function readIntentLibrary(dir: string): IntentLibrary {
  const jsonPath = join(dir, INTENTS_JSON);
  const tensorPath = join(dir, INTENTS_TENSORS);
  if (!existsSync(jsonPath))
    throw new NotFound(`${jsonPath}: not an intent library (no ${INTENTS_JSON})`, "dir");
  if (!existsSync(tensorPath)) throw new NotFound(`${tensorPath}: intent library tensors missing`, "dir");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(jsonPath, "utf8"));
  } catch (err) {
    throw new BadInput(`${jsonPath}: not valid JSON (${(err as Error).message})`, "dir");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new BadInput(`${jsonPath}: must be a JSON object`, "dir");
  const j = raw as Record<string, unknown>;
  if (j.format !== INTENTS_FORMAT)
    throw new BadInput(
      `${jsonPath}: "format" is ${JSON.stringify(j.format)}, expected "${INTENTS_FORMAT}"`,
      "format",
    );
  const itemIds = stringArray(j.itemIds, jsonPath, "itemIds");
  if (!Array.isArray(j.intents)) throw new BadInput(`${jsonPath}: "intents" must be an array`, "intents");
  const intents = j.intents as Record<string, unknown>[];
  const n = intents.length;
  const labels: string[] = [];
  const confidence = new Float32Array(n);
  const latents = new Int32Array(n);
  const llmLabels: (string | undefined)[] = [];
  const llmConfidence = new Float32Array(n).fill(Number.NaN);
  let anyLlm = false;
  intents.forEach((it, i) => {
    const where = `intents[${i}]`;
    if (typeof it !== "object" || it === null)
      throw new BadInput(`${jsonPath}: ${where} must be an object`, where);
    if (typeof it.label !== "string")
      throw new BadInput(`${jsonPath}: ${where}.label must be a string`, where);
    const c = it.confidence;
    if (typeof c !== "number" || !(c >= 0 && c <= 1))
      throw new BadInput(
        `${jsonPath}: ${where}.confidence must be a number in [0, 1], got ${JSON.stringify(c)}`,
        where,
      );
    if (typeof it.latent !== "number" || !Number.isInteger(it.latent) || it.latent < 0)
      throw new BadInput(`${jsonPath}: ${where}.latent must be a non-negative integer`, where);
    labels.push(it.label);
    confidence[i] = c;
    latents[i] = it.latent;
    const llm = it.llm as { label?: unknown; confidence?: unknown } | undefined;
    if (llm && typeof llm.label === "string") {
      anyLlm = true;
      llmLabels.push(llm.label);
      if (typeof llm.confidence === "number") llmConfidence[i] = llm.confidence;
    } else llmLabels.push(undefined);
  });
  const contents = readSafetensors(tensorPath);
  const vt = tensor(contents, "vectors", tensorPath, "F32");
  if (vt.shape.length !== 2 || vt.shape[0] !== n)
    throw new BadInput(
      `${tensorPath}: "vectors" has shape [${vt.shape.join(", ")}], expected [${n}, dText]`,
      "vectors",
    );
  const vectors = new Matrix(vt.shape[0], vt.shape[1], vt.data as Float32Array);
  const indptr = tensor(contents, "activation_indptr", tensorPath, "I32").data as Int32Array;
  const indices = tensor(contents, "activation_indices", tensorPath, "I32").data as Int32Array;
  const values = tensor(contents, "activation_values", tensorPath, "F32").data as Float32Array;
  if (indptr.length !== itemIds.length + 1)
    throw new BadInput(
      `${tensorPath}: "activation_indptr" has ${indptr.length} entries, expected ${itemIds.length + 1} (items + 1)`,
      "activation_indptr",
    );
  for (let p = 0; p < indices.length; p++) {
    if (indices[p] < 0 || indices[p] >= n)
      throw new BadInput(
        `${tensorPath}: activation index ${indices[p]} at ${p} out of range [0, ${n})`,
        "activation_indices",
      );
  }
  let itemActivations: Csr;
  try {
    itemActivations = new Csr(itemIds.length, n, indptr, indices, values);
  } catch (err) {
    throw new BadInput(`${tensorPath}: ${(err as Error).message}`, "activation_indptr");
  }
  return {
    itemIds,
    labels,
    confidence,
    vectors,
    itemActivations,
    latents,
    ...(anyLlm ? { llmLabels, llmConfidence } : {}),
  };
}

/** Re-indexes a library's item rows to a dataset's item order (by external id); items the library lacks get empty rows; reports how many matched. */
export function alignIntentLibrary(
  lib: IntentLibrary,
  datasetItemIds: readonly string[],
): { activations: Csr; matched: number } {
  const rowOf = new Map<string, number>();
  lib.itemIds.forEach((id, r) => rowOf.set(id, r));
  const src = lib.itemActivations;
  const indptr = new Int32Array(datasetItemIds.length + 1);
  let matched = 0;
  for (let i = 0; i < datasetItemIds.length; i++) {
    const r = rowOf.get(datasetItemIds[i]);
    if (r !== undefined) matched++;
    indptr[i + 1] = indptr[i] + (r === undefined ? 0 : src.rowNnz(r));
  }
  const nnz = indptr[datasetItemIds.length];
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  for (let i = 0; i < datasetItemIds.length; i++) {
    const r = rowOf.get(datasetItemIds[i]);
    if (r === undefined) continue;
    indices.set(src.rowIndices(r), indptr[i]);
    values.set(src.rowValues(r), indptr[i]);
  }
  return { activations: new Csr(datasetItemIds.length, src.cols, indptr, indices, values), matched };
}
