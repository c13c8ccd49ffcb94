import {
  packOptimizerState,
  restoreArray,
  unpackOptimizerState,
  type TrainingState,
} from "../store/checkpoint.js";
import type { Matrix } from "../tensor/matrix.js";
import type { Optimizer } from "../tensor/optim/index.js";
import type { EpochLoop } from "./training.js";

/** A named trainable weight as the checkpoint hooks see it (autograd Variables satisfy it). */
export interface NamedWeight {
  readonly name?: string | undefined;
  readonly value: Matrix;
}

/** What a model trained by one autograd optimiser carries between epochs. */
export interface OptimizerLoopState {
  /** Every trainable weight, each with a unique name (stored as `param/<name>`). */
  readonly weights: readonly NamedWeight[];
  /** The optimiser (its moments and step counts are stored under `adam/`). */
  readonly optimizer: Optimizer;
  /** Further live arrays the next epoch reads (e.g. an in-place shuffled order), by name. */
  readonly arrays?: Readonly<Record<string, Float32Array | Int32Array>>;
  /** Called after a restore (e.g. to drop caches derived from the weights). */
  readonly onRestore?: () => void;
}

/**
 * The `trainingState` / `restoreTrainingState` hooks of {@link EpochLoop} for a model whose whole
 * training state is its weights, one optimiser from tensor/optim and a few live arrays (SASRec,
 * GRU4Rec, LightGCN). Restoring copies into the live arrays and checks every length; errors name
 * the model's checkpoint and the array.
 */
export function optimizerTrainingHooks(
  model: string,
  s: OptimizerLoopState,
): Required<Pick<EpochLoop, "trainingState" | "restoreTrainingState">> {
  const names = s.weights.map((w, i) => {
    if (!w.name) throw new Error(`${model}: weight ${i} has no name (checkpoints store weights by name)`);
    return w.name;
  });
  if (new Set(names).size !== names.length)
    throw new Error(`${model}: duplicate weight names ${JSON.stringify(names)}`);
  const where = `${model} checkpoint`;
  return {
    trainingState: (): TrainingState => {
      const o = packOptimizerState("adam", s.optimizer.saveState());
      const arrays: Record<string, Float32Array | Int32Array> = { ...o.arrays, ...s.arrays };
      s.weights.forEach((w, i) => (arrays[`param/${names[i]}`] = w.value.data));
      return { arrays, meta: { adam: o.meta } };
    },
    restoreTrainingState: ({ arrays, meta }: TrainingState): void => {
      s.weights.forEach((w, i) =>
        restoreArray(where, `param/${names[i]}`, w.value.data, arrays[`param/${names[i]}`]),
      );
      for (const [name, live] of Object.entries(s.arrays ?? {}))
        restoreArray(where, name, live, arrays[name]);
      s.optimizer.loadState(unpackOptimizerState(where, "adam", meta.adam, arrays));
      s.onRestore?.();
    },
  };
}
