import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors, writeSafetensors, type TensorInput } from "./safetensors.js";
import type { OptimizerState } from "../tensor/optim/types.js";

/**
 * Training checkpoints: one file, `<dir>/state.safetensors`, written atomically (temporary file,
 * then rename) after every epoch, so an interrupted run (Ctrl-C, a crash, a NaN loss) keeps the
 * last complete epoch. Arrays (weights, optimiser moments, shuffle orders, best-epoch weights) are
 * tensors; everything else (epoch, losses, early-stopping counters, RNG state, step counters) is
 * JSON in the "state" metadata entry.
 *
 * HOW A MODEL OPTS IN (see models/elsa.ts, mf.ts, multvae.ts and models/training.ts; models trained by
 * one tensor/optim optimiser can use models/training-state.ts): give `runEpochs` two more hooks,
 * `trainingState()` returning every array and number the next epoch reads besides `ctx.rng`
 * (weights, optimiser moments, in-place shuffled orders, step counters), and
 * `restoreTrainingState(s)` putting them back (copy into the live arrays). runEpochs saves and
 * restores the RNG, epoch, losses, best weights and patience counters itself. Models without the
 * hooks still train; they are just not checkpointed (and `--resume` says so).
 */
export interface TrainingState {
  /** Named arrays (Float32Array or Int32Array), stored as tensors. */
  readonly arrays: Record<string, Float32Array | Int32Array>;
  /** Named JSON-safe values (counters, optimiser hyperparameters). */
  readonly meta: Record<string, unknown>;
}

/** File name of the checkpoint inside its directory. */
export const CHECKPOINT_FILE = "state.safetensors";
/** Format tag in the checkpoint's metadata. */
export const CHECKPOINT_FORMAT = "reclens-checkpoint/1";

/** A checkpoint as read back: the JSON state and the arrays by name. */
export interface CheckpointContents {
  readonly path: string;
  readonly state: Record<string, unknown>;
  readonly arrays: Map<string, Float32Array | Int32Array>;
}

/** Path of the checkpoint file of `dir`. */
export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

/** Whether `dir` holds a checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(checkpointPath(dir));
}

/** Writes a checkpoint atomically: `state` as JSON metadata, `arrays` as tensors (1-D). */
export function writeCheckpoint(
  dir: string,
  state: Record<string, unknown>,
  arrays: Record<string, Float32Array | Int32Array>,
): string {
  const tensors: Record<string, TensorInput> = {};
  for (const [name, a] of Object.entries(arrays)) tensors[name] = { shape: [a.length], data: a };
  const path = checkpointPath(dir);
  writeSafetensors(path, tensors, { format: CHECKPOINT_FORMAT, state: JSON.stringify(state) });
  return path;
}

/** Reads a checkpoint; errors name the file. */
export function readCheckpoint(dir: string): CheckpointContents {
  const path = checkpointPath(dir);
  if (!existsSync(path)) throw new Error(`${path}: no checkpoint here (nothing to resume)`);
  const st = readSafetensors(path);
  if (st.metadata.format !== CHECKPOINT_FORMAT)
    throw new Error(`${path}: not a reclens checkpoint (format "${st.metadata.format ?? "none"}")`);
  let state: unknown;
  try {
    state = JSON.parse(st.metadata.state ?? "");
  } catch (err) {
    throw new Error(`${path}: the "state" metadata is not valid JSON (${(err as Error).message})`);
  }
  if (typeof state !== "object" || state === null || Array.isArray(state))
    throw new Error(`${path}: the "state" metadata is not a JSON object`);
  const arrays = new Map<string, Float32Array | Int32Array>();
  for (const [name, t] of st.tensors) {
    if (t.dtype === "F64") throw new Error(`${path}: tensor "${name}" is F64; checkpoints hold F32/I32`);
    arrays.set(name, t.data as Float32Array | Int32Array);
  }
  return { path, state: state as Record<string, unknown>, arrays };
}

/** The JSON "state" of a checkpoint without reading its arrays' values into use (for messages). */
export function peekCheckpoint(dir: string): Record<string, unknown> | undefined {
  if (!hasCheckpoint(dir)) return undefined;
  try {
    return readCheckpoint(dir).state;
  } catch {
    return undefined;
  }
}

/** Removes a checkpoint directory (after the finished artifact was written). */
export function removeCheckpoint(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Copies `saved` into `live` after checking the length; errors name the checkpoint and the array. */
export function restoreArray(
  where: string,
  name: string,
  live: Float32Array | Int32Array,
  saved: Float32Array | Int32Array | undefined,
): void {
  if (saved === undefined) throw new Error(`${where}: array "${name}" is missing from the checkpoint`);
  if (saved.length !== live.length || saved.constructor !== live.constructor)
    throw new Error(
      `${where}: array "${name}" has ${saved.length} ${saved.constructor.name} values, the model ${live.length} ${live.constructor.name}`,
    );
  live.set(saved as never);
}

/** A number from checkpoint meta; throws naming the field when missing or not finite. */
export function metaNumber(where: string, meta: Record<string, unknown>, name: string): number {
  const v = meta[name];
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new Error(`${where}: "${name}" is ${JSON.stringify(v)} in the checkpoint, expected a number`);
  return v;
}

/** Splits an optimiser state (BaseOptimizer.saveState) into JSON meta and named buffers under `prefix`. */
export function packOptimizerState(prefix: string, s: OptimizerState): TrainingState {
  const arrays: Record<string, Float32Array> = {};
  const groups = s.groups.map((g, gi) => ({
    hyper: g.hyper,
    baseLr: g.baseLr,
    params: g.params.map((p, pi) => {
      if (p === null) return null;
      for (const [name, buf] of Object.entries(p.buffers)) arrays[`${prefix}/${gi}/${pi}/${name}`] = buf;
      return { step: p.step, buffers: Object.keys(p.buffers) };
    }),
  }));
  return { arrays, meta: { kind: s.kind, stepCount: s.stepCount, groups } };
}

/** Inverse of {@link packOptimizerState}; the result is checked by the optimiser's loadState. */
export function unpackOptimizerState(
  where: string,
  prefix: string,
  meta: unknown,
  arrays: Map<string, Float32Array | Int32Array> | Record<string, Float32Array | Int32Array>,
): OptimizerState {
  const get = (k: string) => (arrays instanceof Map ? arrays.get(k) : arrays[k]);
  const m = meta as {
    kind: string;
    stepCount: number;
    groups: {
      hyper: Record<string, number | boolean>;
      baseLr: number;
      params: ({ step: number; buffers: string[] } | null)[];
    }[];
  };
  if (typeof m !== "object" || m === null || !Array.isArray(m.groups))
    throw new Error(`${where}: the optimiser state "${prefix}" is missing or malformed`);
  return {
    kind: m.kind,
    stepCount: m.stepCount,
    groups: m.groups.map((g, gi) => ({
      hyper: g.hyper,
      baseLr: g.baseLr,
      params: g.params.map((p, pi) => {
        if (p === null) return null;
        const buffers: Record<string, Float32Array> = {};
        for (const name of p.buffers) {
          const a = get(`${prefix}/${gi}/${pi}/${name}`);
          if (!(a instanceof Float32Array))
            throw new Error(`${where}: optimiser buffer ${prefix}/${gi}/${pi}/${name} is missing`);
          buffers[name] = a;
        }
        return { step: p.step, buffers };
      }),
    })),
  };
}
