import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../store/atomic.js";
import { assertFiniteTensor } from "../store/finite.js";
import {
  matrixFromTensor,
  readSafetensors,
  writeSafetensors,
  type SafetensorsContents,
  type TensorInput,
} from "../store/safetensors.js";
import { parseWith } from "../store/validation.js";
import type { Matrix } from "../tensor/matrix.js";

/**
 * On-disk form of a fitted model: `<dir>/model.json` (name, complete config, sizes, small extra
 * fields) and `<dir>/weights.safetensors` (F32 tensors; metadata {"model": name}). Weights are
 * stored exactly as held in memory, so a save/load round trip reproduces scores bit for bit.
 */
export const MODEL_JSON = "model.json";
/** File name of the weights inside a model directory. */
export const WEIGHTS_FILE = "weights.safetensors";

const ModelJsonSchema = z
  .object({
    format: z.literal("reclens-model"),
    formatVersion: z.literal(1),
    model: z.string().min(1),
    config: z.record(z.string(), z.unknown()),
    nItems: z.number().int().nonnegative(),
    nUsers: z.number().int().nonnegative(),
    extra: z.record(z.string(), z.unknown()),
  })
  .strict();

/** The parsed model.json. */
export type ModelJson = z.infer<typeof ModelJsonSchema>;

/** A model directory read back: descriptor plus tensors. */
export interface ModelArtifact {
  readonly dir: string;
  readonly json: ModelJson;
  readonly weights: SafetensorsContents;
  /** The F32 tensor `name` as a matrix; throws naming the weights file if missing or mistyped. */
  matrix(name: string): Matrix;
  /** {@link matrix} checked to be rows x cols; throws naming the directory, tensor and both shapes. */
  matrixOfShape(name: string, rows: number, cols: number): Matrix;
}

/** Writes a model directory (weights first, then model.json, each atomically). */
export function saveArtifact(
  dir: string,
  desc: { model: string; config: object; nItems: number; nUsers?: number; extra?: Record<string, unknown> },
  tensors: Record<string, TensorInput>,
): void {
  writeSafetensors(join(dir, WEIGHTS_FILE), tensors, { model: desc.model, format: "reclens-model" });
  const json: ModelJson = {
    format: "reclens-model",
    formatVersion: 1,
    model: desc.model,
    config: { ...desc.config },
    nItems: desc.nItems,
    nUsers: desc.nUsers ?? 0,
    extra: desc.extra ?? {},
  };
  writeFileAtomic(join(dir, MODEL_JSON), `${JSON.stringify(json, null, 2)}\n`);
}

/** Reads model.json only (to find out which model a directory holds). */
export function readModelJson(dir: string): ModelJson {
  const path = join(dir, MODEL_JSON);
  if (!existsSync(path)) throw new Error(`${path}: no model here (model.json is missing)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseWith(ModelJsonSchema, raw, path);
}

/**
 * Reads a model directory; checks that the weights belong to the model model.json names and that
 * every floating-point tensor is finite (a NaN weight is rejected naming the tensor).
 */
export function loadArtifact(dir: string): ModelArtifact {
  const json = readModelJson(dir);
  const path = join(dir, WEIGHTS_FILE);
  const weights = readSafetensors(path);
  for (const [name, t] of weights.tensors)
    if (t.dtype === "F32" || t.dtype === "F64") assertFiniteTensor(path, name, t.data, t.shape);
  if (weights.metadata.model !== undefined && weights.metadata.model !== json.model) {
    throw new Error(
      `${path}: weights are for model "${weights.metadata.model}" but model.json says "${json.model}"`,
    );
  }
  const matrix = (name: string): Matrix => matrixFromTensor(weights, name, path);
  const matrixOfShape = (name: string, rows: number, cols: number): Matrix => {
    const t = matrix(name);
    if (t.rows !== rows || t.cols !== cols)
      throw new Error(`${dir}: tensor "${name}" is ${t.shape}, expected ${rows}x${cols}`);
    return t;
  };
  return { dir, json, weights, matrix, matrixOfShape };
}
