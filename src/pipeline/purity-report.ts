import { DEFAULT_MIN_SUPPORT } from "../concepts/activations.js";
import type { LabellerResult } from "../concepts/labeller.js";

/** One labelled neuron's purity (the default labeller's concept). */
export interface NeuronPurity {
  readonly neuron: number;
  readonly label: string;
  /** Concept family of the label ("genre", "tag", "popularity"); undefined without a concept. */
  readonly kind?: string;
  /** purity@K by K; a K is absent for neurons without a concept or firing on fewer than K items. */
  readonly purity: Record<string, number>;
  readonly baseRate?: number;
  readonly support: number;
}

/**
 * Best neuron of one concept: the highest purity at the first K among the neurons labelled with it
 * that fire on at least `minSupport` items (ties: larger support, then lower id); -1 when none does.
 */
export interface ConceptCoverage {
  readonly kind: string;
  readonly concept: string;
  /** Neurons labelled with the concept. */
  readonly neurons: number;
  /** Of those, the ones with support >= minSupport and a defined purity at the first K. */
  readonly eligible: number;
  /** -1 when no labelled neuron is eligible. */
  readonly bestNeuron: number;
  readonly bestPurity: Record<string, number>;
  /** Items activating the best neuron (0 when there is none). */
  readonly bestSupport: number;
}

/** Purity table of a labelling: per neuron, summary means, and per-concept coverage. */
export interface PurityReport {
  readonly ks: readonly number[];
  readonly liveNeurons: number;
  readonly withConcept: number;
  /** Minimum support of a concept's best neuron. */
  readonly minSupport: number;
  /** Neurons labelled with a concept whose purity@K is defined (support >= K), by K. */
  readonly counted: Record<string, number>;
  /** Mean purity@K over the neurons labelled with a concept (not popularity) and support >= K. */
  readonly meanPurity: Record<string, number>;
  /** Share of those with purity@K >= 0.9. */
  readonly shareAbove90: Record<string, number>;
  readonly neurons: NeuronPurity[];
  /** Concepts that label at least one neuron, by family then name. */
  readonly concepts: ConceptCoverage[];
}

/**
 * Purity@K (K in `ks`) of each live neuron for the concept the default labeller chose, with means
 * and the share of neurons at or above 0.9 (each over the neurons where purity@K is defined, i.e.
 * support >= K; see `reportedPurityAtK`) and, per concept, its purest neuron among those firing on at
 * least `minSupport` items (ties: larger support, then lower id).
 */
export function purityReport(
  result: LabellerResult,
  ks: readonly number[],
  minSupport = DEFAULT_MIN_SUPPORT,
): PurityReport {
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
  const scored = neurons.filter((n) => n.kind !== undefined && n.kind !== "popularity");
  const meanPurity: Record<string, number> = {};
  const shareAbove90: Record<string, number> = {};
  const counted: Record<string, number> = {};
  for (const k of ks) {
    const vals = scored.map((n) => n.purity[String(k)]).filter((v) => v !== undefined);
    counted[String(k)] = vals.length;
    meanPurity[String(k)] = vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : 0;
    shareAbove90[String(k)] = vals.length ? vals.filter((v) => v >= 0.9).length / vals.length : 0;
  }
  const byConcept = new Map<string, ConceptCoverage>();
  const first = String(ks[0]);
  for (const n of scored) {
    const key = `${n.kind}\u0000${n.label}`;
    const prev = byConcept.get(key) ?? {
      kind: n.kind as string,
      concept: n.label,
      neurons: 0,
      eligible: 0,
      bestNeuron: -1,
      bestPurity: {},
      bestSupport: 0,
    };
    const ok = n.support >= minSupport && n.purity[first] !== undefined;
    const a = n.purity[first];
    const b = prev.bestPurity[first];
    const better = ok && (prev.bestNeuron < 0 || a > b || (a === b && n.support > prev.bestSupport));
    byConcept.set(key, {
      ...prev,
      neurons: prev.neurons + 1,
      eligible: prev.eligible + (ok ? 1 : 0),
      ...(better ? { bestNeuron: n.neuron, bestPurity: n.purity, bestSupport: n.support } : {}),
    });
  }
  const concepts = [...byConcept.values()].sort(
    (a, b) => a.kind.localeCompare(b.kind) || a.concept.localeCompare(b.concept),
  );
  return {
    ks: [...ks],
    liveNeurons: result.labels.length,
    withConcept: scored.length,
    minSupport,
    counted,
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
    `${r.liveNeurons} live neurons, ${r.withConcept} labelled with a concept. Purity@K is n/a ("-") for a`,
    `neuron firing on fewer than K items; means and shares are over the neurons where it is defined.`,
    `A concept's best neuron is its purest at K = ${r.ks[0]} among neurons firing on >= ${r.minSupport} items.`,
    ``,
    `| | ${kCols.join(" | ")} |`,
    `|---|${r.ks.map(() => "---").join("|")}|`,
    `| neurons | ${r.ks.map((k) => String(r.counted[String(k)])).join(" | ")} |`,
    `| mean | ${r.ks.map((k) => f(r.meanPurity[String(k)])).join(" | ")} |`,
    `| share >= 0.9 | ${r.ks.map((k) => f(r.shareAbove90[String(k)])).join(" | ")} |`,
    ``,
    `## Concepts`,
    ``,
    `| family | concept | neurons | with support >= ${r.minSupport} | best neuron | its support | ${kCols.join(" | ")} |`,
    `|---|---|---|---|---|---|${r.ks.map(() => "---").join("|")}|`,
    ...r.concepts.map(
      (c) =>
        `| ${c.kind} | ${esc(c.concept)} | ${c.neurons} | ${c.eligible} | ${c.bestNeuron < 0 ? "-" : c.bestNeuron} | ${c.bestNeuron < 0 ? "-" : c.bestSupport} | ${r.ks.map((k) => f(c.bestPurity[String(k)])).join(" | ")} |`,
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
