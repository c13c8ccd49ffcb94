import type { Matrix } from "../../tensor/matrix.js";
import type { SaeConfig, SaeTensors, SparseCode } from "../types.js";

/**
 * The activation of an SAE architecture: pre-activations -> sparse code. Its derivative on the
 * kept entries is 1 and 0 elsewhere (ReLU, TopK and BatchTopK selections are piecewise constant),
 * which is what the hand-written backward relies on.
 */
export interface Activation {
  /** Code used during training. */
  train(pre: Matrix): SparseCode;
  /** Code used at inference (differs for BatchTopK: a learned threshold instead of the batch cut). */
  infer(pre: Matrix): SparseCode;
  /** Called after each optimiser step with that step's training code (e.g. threshold update). */
  afterStep(trainCode: SparseCode): void;
  /** Extra state saved with the SAE (e.g. the BatchTopK threshold); views, not copies. */
  tensors(): SaeTensors;
  /** Restores the state from saved tensors (names and shapes already validated by the caller). */
  load(t: SaeTensors): void;
}

/** One registered SAE architecture (one file each, registered in architectures/index.ts). */
export interface SaeArchitecture {
  /** Registry key, also written as cfg.json "architecture". */
  readonly name: string;
  /** One line for help text. */
  readonly description: string;
  /** A complete config for the given sizes with this architecture's defaults. */
  defaults(dIn: number, dSae: number): SaeConfig;
  /** Checks the architecture-specific fields; throws SaeConfigError naming the field. */
  validate(cfg: SaeConfig, source: string): void;
  /** A fresh activation (with zeroed state) for a validated config. */
  activation(cfg: SaeConfig): Activation;
  /** Nested prefix sizes whose reconstructions are each trained ([dSae] when not nested). */
  prefixes(cfg: SaeConfig): number[];
}
