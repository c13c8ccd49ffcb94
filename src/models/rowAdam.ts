/** Adam settings shared by every parameter table of a model. */
export interface RowAdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * "Lazy" Adam for embedding tables: only the rows a batch touched are updated (their moments
 * included), with the bias correction of the global step, as in TensorFlow's LazyAdam. Rows that
 * no sample touched keep their value and moments, so an epoch costs O(samples x d), not
 * O(table size) per batch. The gradient rows are zeroed after the update.
 */
export class RowAdam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly seen: Uint8Array;
  private readonly touched: number[] = [];

  /** Moments for a rows x cols table. */
  constructor(
    readonly rows: number,
    readonly cols: number,
  ) {
    this.m = new Float32Array(rows * cols);
    this.v = new Float32Array(rows * cols);
    this.seen = new Uint8Array(rows);
  }

  /** The live first and second moments (rows x cols each), for checkpoints; copy into them to restore. */
  get moments(): { readonly m: Float32Array; readonly v: Float32Array } {
    return { m: this.m, v: this.v };
  }

  /** Marks each row in `ids` as touched by the current batch. */
  touch(ids: ArrayLike<number>): void {
    for (let t = 0; t < ids.length; t++) {
      const r = ids[t];
      if (!this.seen[r]) {
        this.seen[r] = 1;
        this.touched.push(r);
      }
    }
  }

  /**
   * Updates the touched rows of `param` from `grad` (global step `step`, from 1), then zeroes them.
   * Same arithmetic as `kernels().adamUpdate` (no weight decay), inlined: the rows are short and a
   * kernel call per row would cost more than the update itself.
   */
  step(param: Float32Array, grad: Float32Array, step: number, s: RowAdamSettings): void {
    const c = this.cols;
    const { lr, beta1, beta2, eps } = s;
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    const m = this.m;
    const v = this.v;
    for (const r of this.touched) {
      const end = (r + 1) * c;
      for (let t = r * c; t < end; t++) {
        const g = grad[t];
        m[t] = beta1 * m[t] + (1 - beta1) * g;
        v[t] = beta2 * v[t] + (1 - beta2) * g * g;
        param[t] -= lr * (m[t] / bc1 / (Math.sqrt(v[t] / bc2) + eps));
        grad[t] = 0;
      }
      this.seen[r] = 0;
    }
    this.touched.length = 0;
  }
}
