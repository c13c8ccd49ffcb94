import type { LabellerResult } from "../concepts/labeller.js";

/** One labelled neuron's purity (the default labeller's concept). */
export interface NeuronPurity {
  readonly neuron: number;
  readonly label: string;
  /** Concept family of the label ("genre", "tag", "popularity"); undefined without a concept. */
  readonly kind?: string;
  /** purity@K by K (empty for neurons without a concept). */
  readonly purity: Record<string, number>;
  readonly baseRate?: number;
  readonly support: number;
}

/** Best neuron of one concept: the highest purity at the first K among neurons labelled with it (ties: larger support, then lower id). */
export interface ConceptCoverage {
  readonly kind: string;
  readonly concept: string;
  readonly neurons: number;
  readonly bestNeuron: number;
  readonly bestPurity: Record<string, number>;
  /** Items activating the best neuron. */
  readonly bestSupport: number;
}

/** Purity table of a labelling: per neuron, summary means, and per-concept coverage. */
export interface PurityReport {
  readonly ks: readonly number[];
  readonly liveNeurons: number;
  readonly withConcept: number;
  /** Mean purity@K over neurons whose label comes from a concept family (not popularity). */
  readonly meanPurity: Record<string, number>;
  /** Share of those with purity@K >= 0.9. */
  readonly shareAbove90: Record<string, number>;
  readonly neurons: NeuronPurity[];
  /** Concepts that label at least one neuron, by family then name. */
  readonly concepts: ConceptCoverage[];
}

/**
 * Purity@K (K in `ks`) of each live neuron for the concept the default labeller chose, with means,
 * the share of neurons at or above 0.9 and, per concept, its purest neuron (ties: lower id).
 */
export function purityReport(result: LabellerResult, ks: readonly number[]): PurityReport {
  const neurons: NeuronPurity[] = result.labels.map((l) => {
    const purity: Record<string, number> = {};
    for (const k of ks)
      if (l.scores[`purity@${k}`] !== undefined) purity[String(k)] = l.scores[`purity@${k}`];
    return {
      neuron: l.neuron,
      label: l.label,
      ...(l.concept ? { kind: l.concept.kind } : {}),
      purity,
      ...(l.scores.baseRate !== undefined ? { baseRate: l.scores.baseRate } : {}),
      support: l.scores.support,
    };
  });
  const scored = neurons.filter(
    (n) => n.kind !== undefined && n.kind !== "popularity" && Object.keys(n.purity).length > 0,
  );
  const meanPurity: Record<string, number> = {};
  const shareAbove90: Record<string, number> = {};
  for (const k of ks) {
    const vals = scored.map((n) => n.purity[String(k)]);
    meanPurity[String(k)] = vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : 0;
    shareAbove90[String(k)] = vals.length ? vals.filter((v) => v >= 0.9).length / vals.length : 0;
  }
  const byConcept = new Map<string, ConceptCoverage>();
  for (const n of scored) {
    const key = `${n.kind}\u0000${n.label}`;
    const prev = byConcept.get(key);
    const first = String(ks[0]);
    const best = { bestNeuron: n.neuron, bestPurity: n.purity, bestSupport: n.support };
    if (!prev) byConcept.set(key, { kind: n.kind as string, concept: n.label, neurons: 1, ...best });
    else {
      const a = n.purity[first];
      const b = prev.bestPurity[first];
      const better = a > b || (a === b && n.support > prev.bestSupport);
      byConcept.set(key, { ...prev, neurons: prev.neurons + 1, ...(better ? best : {}) });
    }
  }
  const concepts = [...byConcept.values()].sort(
    (a, b) => a.kind.localeCompare(b.kind) || a.concept.localeCompare(b.concept),
  );
  return {
    ks: [...ks],
    liveNeurons: result.labels.length,
    withConcept: scored.length,
    meanPurity,
    shareAbove90,
    neurons,
    concepts,
  };
}

/** The report as markdown: the summary, the per-concept table and the per-neuron table. */
export function purityMarkdown(r: PurityReport): string {
  const kCols = r.ks.map((k) => `purity@${k}`);
  const f = (v: number | undefined): string => (v === undefined ? "-" : v.toFixed(2));
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  const lines = [
    `# Neuron purity`,
    ``,
    `${r.liveNeurons} live neurons, ${r.withConcept} labelled with a concept.`,
    ``,
    `| | ${kCols.join(" | ")} |`,
    `|---|${r.ks.map(() => "---").join("|")}|`,
    `| mean | ${r.ks.map((k) => f(r.meanPurity[String(k)])).join(" | ")} |`,
    `| share >= 0.9 | ${r.ks.map((k) => f(r.shareAbove90[String(k)])).join(" | ")} |`,
    ``,
    `## Concepts`,
    ``,
    `| family | concept | neurons | best neuron | its support | ${kCols.join(" | ")} |`,
    `|---|---|---|---|---|${r.ks.map(() => "---").join("|")}|`,
    ...r.concepts.map(
      (c) =>
        `| ${c.kind} | ${esc(c.concept)} | ${c.neurons} | ${c.bestNeuron} | ${c.bestSupport} | ${r.ks.map((k) => f(c.bestPurity[String(k)])).join(" | ")} |`,
    ),
    ``,
    `## Neurons`,
    ``,
    `| neuron | label | family | support | ${kCols.join(" | ")} |`,
    `|---|---|---|---|${r.ks.map(() => "---").join("|")}|`,
    ...r.neurons.map(
      (n) =>
        `| ${n.neuron} | ${esc(n.label)} | ${n.kind ?? "-"} | ${n.support} | ${r.ks.map((k) => f(n.purity[String(k)])).join(" | ")} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
