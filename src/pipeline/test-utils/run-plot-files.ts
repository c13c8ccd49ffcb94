/** Test helpers: tiny steer-eval and purity files as `reclens steer-eval` and `reclens label` write them. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const pt = (strength: number, kept: number, share: number) => ({
  strength,
  param: strength,
  recall: { mean: 0.3 * kept, stderr: 0.01 },
  recallKept: kept,
  share: { mean: share, stderr: 0.01 },
  shareQuartiles: { q1: share, median: share, q3: share },
});

/** Writes operators.json as steer-eval does (JSON turns the NaN kept value into null). */
export function writeOperators(run: string): void {
  mkdirSync(join(run, "steer"), { recursive: true });
  const report = {
    k: 20,
    strengths: [0, 0.5, 1],
    heldOutUsers: 12,
    users: 10,
    skippedNoSegment: 1,
    skippedUnmapped: 1,
    curves: [
      { operator: "k2k", title: "a", points: [pt(0, 1, 0.2), pt(0.5, 0.8, 0.4), pt(1, 0.3, 0.6)] },
      { operator: "knob", title: "b", points: [pt(0, 1, 0.2), pt(0.5, 0.9, 0.45), pt(1, Number.NaN, 0.7)] },
    ],
  };
  writeFileSync(
    join(run, "steer", "operators.json"),
    JSON.stringify({ family: "genre", metric: "Recall_trunc", verdict: {}, report }),
  );
}

/** Writes purity.json with purity@10 of 5 neurons: 0.05, 0.62, 0.64, 0.95 (genre/tag) and 1 popularity. */
export function writePurity(concepts: string): void {
  mkdirSync(concepts, { recursive: true });
  const n = (neuron: number, kind: string | undefined, p10?: number) => ({
    neuron,
    label: `n${neuron}`,
    ...(kind ? { kind } : {}),
    purity: p10 === undefined ? {} : { "10": p10 },
    support: 30,
  });
  writeFileSync(
    join(concepts, "purity.json"),
    JSON.stringify({
      ks: [10, 20],
      liveNeurons: 6,
      withConcept: 4,
      minSupport: 5,
      counted: { "10": 4 },
      meanPurity: { "10": 0.565 },
      shareAbove90: { "10": 0.25 },
      neurons: [
        n(0, "genre", 0.05),
        n(1, "tag", 0.62),
        n(2, "tag", 0.64),
        n(3, "genre", 0.95),
        n(4, "popularity", 0.99),
        n(5, undefined),
      ],
      concepts: [],
    }),
  );
}
