import { Csr } from "../tensor/csr.js";
import { Rng } from "../tensor/rng.js";
import type { UserBatch } from "./types.js";

/**
 * Test fixture (not used by library code): planted topic sequences. `topics` x `perTopic` items;
 * item i has topic floor(i / perTopic). Each user has a hidden topic; every item of their sequence
 * is from that topic with probability 1 - noise, else any item. The held-out next item is an unseen
 * item of the user's topic, so knowing the topic of the items (the item text, i.e. the planted
 * intent library) decides the next item.
 */
export interface PlantedTopics {
  readonly nItems: number;
  readonly topicOf: (item: number) => number;
  readonly train: Int32Array[];
  readonly test: Int32Array[];
  readonly testTargets: Int32Array;
}

/** Generates {@link PlantedTopics}. */
export function plantedTopics(o: {
  topics: number;
  perTopic: number;
  trainUsers: number;
  testUsers: number;
  length: number;
  noise: number;
  seed: number;
}): PlantedTopics {
  const rng = new Rng(o.seed);
  const nItems = o.topics * o.perTopic;
  const draw = (topic: number, seen: Set<number>): number => {
    for (;;) {
      const i = rng.uniform() < o.noise ? rng.int(nItems) : topic * o.perTopic + rng.int(o.perTopic);
      if (!seen.has(i)) return i;
    }
  };
  const user = (): { seq: Int32Array; next: number } => {
    const topic = rng.int(o.topics);
    const seen = new Set<number>();
    const seq = Int32Array.from({ length: o.length }, () => {
      const i = draw(topic, seen);
      seen.add(i);
      return i;
    });
    let next: number;
    do next = topic * o.perTopic + rng.int(o.perTopic);
    while (seen.has(next));
    return { seq, next };
  };
  const train = Array.from({ length: o.trainUsers }, () => {
    const { seq, next } = user();
    return Int32Array.from([...seq, next]);
  });
  const test: Int32Array[] = [];
  const testTargets = new Int32Array(o.testUsers);
  for (let u = 0; u < o.testUsers; u++) {
    const { seq, next } = user();
    test.push(seq);
    testTargets[u] = next;
  }
  return { nItems, topicOf: (i) => Math.floor(i / o.perTopic), train, test, testTargets };
}

/** The users x items 0/1 matrix of sequences. */
export function sequencesCsr(seqs: readonly Int32Array[], nItems: number): Csr {
  const r: number[] = [];
  const c: number[] = [];
  seqs.forEach((s, u) => new Set(s).forEach((i) => (r.push(u), c.push(i))));
  return Csr.fromTriplets(seqs.length, nItems, r, c);
}

/** A batch of sequences (rows = their item sets). */
export function sequenceBatch(seqs: Int32Array[], nItems: number): UserBatch {
  return { rows: sequencesCsr(seqs, nItems), sequences: seqs };
}
