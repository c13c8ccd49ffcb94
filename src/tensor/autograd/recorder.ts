import { Matrix, assertShape } from "../matrix.js";
import { gradOf } from "./grad.js";
import { Variable } from "./variable.js";

/** Receives d(objective)/d(output) and accumulates the gradients of the op's inputs. */
export type BackwardFn = (outGrad: Matrix) => void;

/** Construction options of a tape. */
export interface TapeOptions {
  /** Record ops for a backward pass (default true). false = inference: plain forward, no tape cost. */
  recording?: boolean;
  /** Training mode, read by dropout (default: same as `recording`). */
  training?: boolean;
}

interface Entry {
  readonly out: Variable;
  readonly backward: BackwardFn;
}

/**
 * The recording core of the autograd tape: ops call `record`, `backward` replays the recorded
 * closures in reverse. Entries are appended in creation order, which is a topological order, so
 * the reverse sweep sees every consumer of a variable before the variable's own producer.
 * `Tape` (tape.ts) adds the op methods on top; use that class.
 */
export class Recorder {
  /** Whether ops are recorded. Toggle temporarily with `noGrad`. */
  recording: boolean;
  /** Training mode (dropout active). */
  training: boolean;
  private entries: Entry[] = [];

  /** A recording, training tape unless the options say otherwise. */
  constructor(options: TapeOptions = {}) {
    this.recording = options.recording ?? true;
    this.training = options.training ?? this.recording;
  }

  /** Number of ops recorded and not yet consumed by `backward`. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Wraps an op's forward `value` in a new Variable. When recording and any input requires a
   * gradient, the output requires one too and `backward` is queued; otherwise nothing is kept.
   * This is the hook for custom ops: `backward` must accumulate (+=) into `gradOf(input)` for each
   * input with `requiresGrad`.
   */
  record(value: Matrix, inputs: readonly Variable[], backward: BackwardFn): Variable {
    let needsGrad = false;
    if (this.recording) {
      for (const v of inputs) {
        if (v.requiresGrad) {
          needsGrad = true;
          break;
        }
      }
    }
    const out = new Variable(value, needsGrad);
    if (needsGrad) this.entries.push({ out, backward });
    return out;
  }

  /**
   * Runs the backward pass from `output`. Without `seed`, `output` must be 1x1 (a loss) and is
   * seeded with 1; with `seed` (same shape as `output`) that gradient is propagated instead.
   * Gradients accumulate (+=) into `.grad` of every variable with `requiresGrad`; zero parameter
   * gradients between steps with `zeroGrad`. The recorded ops are released afterwards, so the tape
   * can record the next step.
   */
  backward(output: Variable, seed?: Matrix): void {
    if (seed) {
      assertShape(
        seed.rows === output.rows && seed.cols === output.cols,
        "backward",
        output,
        seed,
        "seed gradient",
      );
    } else if (output.rows !== 1 || output.cols !== 1) {
      throw new RangeError(
        `backward: the loss must be 1x1, got ${output.shape}; pass a seed gradient for other outputs`,
      );
    }
    if (!output.requiresGrad) {
      throw new Error(
        "backward: the output does not depend on any variable with requiresGrad recorded on this tape " +
          "(no parameters involved, or it was computed with recording off)",
      );
    }
    const g = gradOf(output);
    if (seed) for (let t = 0; t < g.data.length; t++) g.data[t] += seed.data[t];
    else g.data[0] += 1;
    const entries = this.entries;
    this.entries = [];
    for (let k = entries.length - 1; k >= 0; k--) {
      const e = entries[k];
      if (e.out.grad !== null) e.backward(e.out.grad);
    }
  }

  /** Runs `fn` with recording off (inference inside a training step), restoring the flag after. */
  noGrad<T>(fn: () => T): T {
    const prev = this.recording;
    this.recording = false;
    try {
      return fn();
    } finally {
      this.recording = prev;
    }
  }

  /** Forgets every recorded op without running backward. */
  reset(): void {
    this.entries = [];
  }
}
