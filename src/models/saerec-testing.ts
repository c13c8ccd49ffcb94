import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import type { IntentPriors } from "./saerec-retrieval.js";

/**
 * Test fixture (not used by library code): a planted intent library whose intents are topics.
 * Item i activates intent `topicOf(i)` with strength 1 (and nothing else; -1 = no intent); intent
 * vectors are random normal rows (dText wide); labels "topic <t>"; confidence 1 - 0.1 t.
 */
export function plantedPriors(
  nItems: number,
  nTopics: number,
  topicOf: (item: number) => number,
  dText = 8,
  seed = 3,
): IntentPriors {
  const r: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < nItems; i++) {
    const t = topicOf(i);
    if (t >= 0) {
      r.push(i);
      c.push(t);
    }
  }
  const vectors = new Matrix(nTopics, dText);
  new Rng(seed).fillNormal(vectors.data, 0, 1);
  return {
    labels: Array.from({ length: nTopics }, (_, t) => `topic ${t}`),
    confidence: Float32Array.from({ length: nTopics }, (_, t) => Math.max(0.1, 1 - 0.1 * t)),
    vectors,
    activations: Csr.fromTriplets(nItems, nTopics, r, c),
  };
}
