import { Unavailable } from "../errors.js";

/**
 * Runs the editor's previews (reach, promotion) one at a time, with a bound on how many may wait.
 * One preview at a time keeps concurrent previews from multiplying the load; the bound keeps a burst
 * of them from piling up work the clients gave up on long ago: past `capacity` previews queued or
 * running, a new one is refused at once with Unavailable (HTTP 503) instead of waiting.
 */
export class PreviewQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private held = 0;

  /** `capacity`: previews queued or running at most (>= 1). */
  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`PreviewQueue: capacity must be a positive integer, got ${capacity}`);
  }

  /** Previews queued or running now. */
  get size(): number {
    return this.held;
  }

  /** Runs `job` after every earlier one has settled; throws Unavailable when the queue is full. */
  run<T>(what: string, job: () => Promise<T>): Promise<T> {
    if (this.held >= this.capacity)
      throw new Unavailable(
        `${what}: ${this.held} previews are already queued or running (at most ${this.capacity}); retry when one has finished`,
      );
    this.held++;
    const result = this.tail.then(job).finally(() => this.held--);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
