import { Rng } from "../tensor/rng.js";

/** Hidden topics of the planted catalogue. */
export const PLANTED_TOPICS = ["nail", "hair", "skin", "perfume", "lips"];

/** Test helper. Items whose text carries one hidden topic: 4 words of its 10-word vocabulary + 3 shared noise words. */
export function plantedCatalogue(
  items: number,
  seed: number,
): { ids: string[]; texts: string[]; topic: number[] } {
  const rng = new Rng(seed);
  const vocab = PLANTED_TOPICS.map((t) =>
    Array.from({ length: 10 }, (_, j) => `${t}word${String.fromCharCode(97 + j)}`),
  );
  const noise = Array.from({ length: 30 }, (_, j) => `common${String.fromCharCode(97 + (j % 26))}${j}`);
  const ids: string[] = [];
  const texts: string[] = [];
  const topic: number[] = [];
  for (let i = 0; i < items; i++) {
    const t = i % PLANTED_TOPICS.length;
    const words = new Set<string>();
    while (words.size < 4) words.add(vocab[t][rng.int(10)]);
    while (words.size < 7) words.add(noise[rng.int(noise.length)]);
    ids.push(`item${i + 1}`);
    texts.push([...words].join(" "));
    topic.push(t);
  }
  return { ids, texts, topic };
}
