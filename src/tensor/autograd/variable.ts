import { Matrix } from "../matrix.js";

/**
 * A node of the autograd graph: a dense `value` and, once a backward pass reached it, its gradient
 * `grad` (same shape, allocated lazily, accumulated with +=). Parameters are Variables with
 * `requiresGrad = true` that outlive a single tape; constants have `requiresGrad = false`.
 * Optimisers only rely on the structural shape `{ value: Matrix; grad: Matrix | null }`.
 */
export class Variable {
  /** The forward value. Ops never modify it in place; optimisers may update parameters in place. */
  value: Matrix;
  /** d(objective)/d(value), or null until a backward pass writes it (or after `releaseGrad`). */
  grad: Matrix | null = null;
  /** Whether gradients flow into this variable (set false on a parameter to freeze it). */
  requiresGrad: boolean;
  /** Optional label, used in error messages and debugging. */
  readonly name: string | undefined;

  /** Wraps `value`; no copy is made. */
  constructor(value: Matrix, requiresGrad = false, name?: string) {
    this.value = value;
    this.requiresGrad = requiresGrad;
    this.name = name;
  }

  /** Rows of the value. */
  get rows(): number {
    return this.value.rows;
  }

  /** Columns of the value. */
  get cols(): number {
    return this.value.cols;
  }

  /** "RxC", used in error messages. */
  get shape(): string {
    return this.value.shape;
  }

  /** The single element of a 1x1 variable (e.g. a loss); throws for any other shape. */
  item(): number {
    if (this.value.rows !== 1 || this.value.cols !== 1) {
      throw new RangeError(
        `Variable.item: expected a 1x1 variable, got ${this.shape}${this.name ? ` (${this.name})` : ""}`,
      );
    }
    return this.value.data[0];
  }

  /** A constant sharing this variable's value: gradients stop here (stop-gradient). */
  detach(): Variable {
    return new Variable(this.value, false, this.name);
  }
}

/** Anything an op accepts: a Variable, or a plain Matrix treated as a constant. */
export type Input = Variable | Matrix;

/** A trainable parameter (requiresGrad = true) wrapping `value` without copying it. */
export function param(value: Matrix, name?: string): Variable {
  return new Variable(value, true, name);
}

/** A constant (requiresGrad = false) wrapping `value` without copying it. */
export function constant(value: Matrix, name?: string): Variable {
  return new Variable(value, false, name);
}

/** `x` itself when it is a Variable, otherwise a constant wrapping the Matrix. */
export function asVariable(x: Input): Variable {
  return x instanceof Variable ? x : new Variable(x, false);
}

/**
 * Zeroes the gradients of `params` in place, keeping their buffers (no reallocation across steps).
 * Gradients never allocated stay null.
 */
export function zeroGrad(params: Iterable<{ grad: Matrix | null }>): void {
  for (const p of params) p.grad?.data.fill(0);
}

/** Drops the gradient buffers of `params` (sets them to null) so they can be garbage-collected. */
export function releaseGrad(params: Iterable<{ grad: Matrix | null }>): void {
  for (const p of params) p.grad = null;
}
