import { join } from "node:path";
import type { LabelEntry } from "../concepts/labels.js";
import type { LlmClient } from "../concepts/llm.js";
import {
  activationDistribution,
  SequenceActivationAccumulator,
  type ActivationDistribution,
  type SequenceActivations,
} from "../concepts/sequence-activations.js";
import {
  conceptLabel,
  DEFAULT_WEIGHTING,
  itemTerms,
  type ItemTextSources,
  type PositionWeighting,
} from "../concepts/sequence-concepts.js";
import { conceptConfidence } from "../concepts/sequence-confidence.js";
import { llmSequenceConcept } from "../concepts/sequence-llm.js";
import { histogramSvg } from "../plot/charts.js";
import type { Sae } from "../sae/types.js";
import { writeFileAtomic } from "../store/atomic.js";
import { Rng } from "../tensor/rng.js";
import type { PositionEncoder } from "./representations.js";

/** Sequences encoded per call of encodePositions while collecting activations. */
const SEQUENCE_CHUNK = 256;

/** Confidence at or above which a concept counts as confident (RecSAE reports the share >= 0.8). */
export const CONFIDENT = 0.8;

/** File names written into the concepts directory. */
export const SEQUENCE_CONCEPTS_FILE = "sequence-concepts.json";

/** Options of {@link sequenceConcepts}. */
export interface SequenceConceptsOptions {
  /** Top-activating windows kept per latent (default 40: 20 build the concept, 20 are held out). */
  readonly top?: number;
  /** Random positions drawn as negative candidates (default 4000). */
  readonly negativePool?: number;
  readonly seed?: number;
  readonly weighting?: PositionWeighting;
  /** Concept terms (default 5). */
  readonly terms?: number;
  /** Top windows stored per latent for display (default 10). */
  readonly show?: number;
  /** Also let this LLM write each concept and judge the held-out windows. */
  readonly llm?: LlmClient;
  /** Called after each latent's LLM calls (the LLM is given up after 8 failures and no success). */
  readonly onLlmProgress?: (done: number, total: number, failed: number) => void;
}

/**
 * Per-latent activations over `sequences` (SAE codes of every encoded position), encoded in chunks
 * so the codes of all positions are never held at once.
 */
export function sequenceActivationsOf(
  model: Pick<PositionEncoder, "encodePositions">,
  sae: Sae,
  sequences: readonly Int32Array[],
  opts: Pick<SequenceConceptsOptions, "top" | "negativePool" | "seed"> = {},
): SequenceActivations {
  const acc = new SequenceActivationAccumulator(sae.dSae, {
    top: opts.top ?? 40,
    negativePool: opts.negativePool ?? 4000,
    rng: new Rng(opts.seed ?? 0),
  });
  for (let s = 0; s < sequences.length; s += SEQUENCE_CHUNK) {
    const chunk = sequences.slice(s, s + SEQUENCE_CHUNK);
    const { states, offsets } = model.encodePositions(chunk);
    acc.add(
      sae.encode(states),
      offsets,
      chunk.map((q) => q.length),
    );
  }
  return acc.result();
}

/** An item of a displayed window. */
export interface WindowItem {
  readonly item: number;
  readonly id: string;
  readonly title?: string;
}

/** A top-activating sequence for display: its items up to the firing position, the last one firing. */
export interface TopSequence {
  /** Index of the sequence (training row) and the user's original id when known. */
  readonly sequence: number;
  readonly user?: string;
  /** Position in the full sequence where the latent fires most. */
  readonly position: number;
  readonly activation: number;
  /** The items from max(0, position - 9) to position; the last one is the firing item. */
  readonly items: WindowItem[];
}

/** One latent's sequence concept. */
export interface LatentSequenceConcept {
  readonly neuron: number;
  readonly label: string;
  readonly terms: { readonly term: string; readonly weight: number }[];
  /** Built-in confidence (held-out accuracy of the keyword detector); absent when too few windows. */
  readonly confidence?: number;
  readonly f1?: number;
  readonly threshold?: number;
  readonly distribution: ActivationDistribution;
  readonly sequenceSupport: number;
  readonly positionSupport: number;
  readonly top: TopSequence[];
  readonly llm?: { label: string; description: string; confidence: number; f1: number } | { error: string };
}

/** The report of {@link sequenceConcepts}. */
export interface SequenceConceptsReport {
  readonly sequences: number;
  readonly positions: number;
  readonly neurons: number;
  /** Latents firing on at least one sequence. */
  readonly live: number;
  /** Live latents with a confidence (enough top windows and negatives). */
  readonly scored: number;
  /** Share of the live latents with confidence >= CONFIDENT (unscored latents count as not confident). */
  readonly confidentShare: number;
  readonly meanConfidence: number;
  /** Control: the same procedure with random windows in place of the top-activating ones. */
  readonly chance: { readonly meanConfidence: number; readonly confidentShare: number };
  readonly llm?: { readonly scored: number; readonly confidentShare: number; readonly failures: number };
  readonly weighting: PositionWeighting;
  readonly latents: LatentSequenceConcept[];
}

function mean(v: readonly number[]): number {
  return v.length > 0 ? v.reduce((s, x) => s + x, 0) / v.length : 0;
}

/**
 * Concepts of sequences for every live latent (see concepts/sequence-concepts.ts and
 * sequence-confidence.ts): the activation distribution, the top-activating sequences, the TF-IDF
 * concept of the building windows and its built-in confidence; with `llm`, the LLM's concept and
 * confidence beside it. `users[s]` names sequence s in the display.
 */
export async function sequenceConcepts(
  catalogue: ItemTextSources & { readonly itemIds: readonly string[] },
  sequences: readonly Int32Array[],
  acts: SequenceActivations,
  opts: SequenceConceptsOptions & { readonly users?: readonly string[] } = {},
): Promise<SequenceConceptsReport> {
  const docs = itemTerms(catalogue);
  const w = opts.weighting ?? DEFAULT_WEIGHTING;
  const rng = new Rng((opts.seed ?? 0) + 1);
  const show = opts.show ?? 10;
  const titleOf = (i: number): string => catalogue.itemTitles?.[i] ?? catalogue.itemIds[i] ?? `item ${i}`;
  const latents: LatentSequenceConcept[] = [];
  const chance: number[] = [];
  const live: number[] = [];
  for (let j = 0; j < acts.dSae; j++) if (acts.sequenceSupport[j] > 0) live.push(j);
  let llmDone = 0;
  let llmFailed = 0;
  /** Gives up on the LLM after this many failures without one success (a broken endpoint). */
  const LLM_GIVE_UP = 8;
  for (const j of live) {
    const ranked = acts.top[j];
    const conf = conceptConfidence(docs, sequences, ranked, acts.negatives, j, rng, {
      weighting: w,
      terms: opts.terms ?? 5,
    });
    // the chance control: as many random windows as the latent has top windows
    const control = acts.negatives.slice();
    rng.shuffle(control);
    const c = conceptConfidence(
      docs,
      sequences,
      control.slice(0, ranked.length),
      control.slice(ranked.length),
      -1,
      rng,
      {
        weighting: w,
        terms: opts.terms ?? 5,
      },
    );
    if (c) chance.push(c.confidence);
    let llm: LatentSequenceConcept["llm"];
    if (opts.llm && conf && !(llmFailed >= LLM_GIVE_UP && llmDone === llmFailed)) {
      try {
        const r = await llmSequenceConcept(
          opts.llm,
          sequences,
          {
            build: conf.windows.build,
            heldOut: conf.windows.heldOut,
            negatives: conf.windows.heldOutNegatives,
          },
          titleOf,
          rng,
        );
        llm = {
          label: r.label.label,
          description: r.label.description,
          confidence: r.confidence,
          f1: r.detection.f1,
        };
      } catch (err) {
        llmFailed++;
        llm = { error: err instanceof Error ? err.message : String(err) };
      }
      opts.onLlmProgress?.(++llmDone, live.length, llmFailed);
    }
    const concept = conf?.concept;
    latents.push({
      neuron: j,
      label: concept && concept.terms.length > 0 ? conceptLabel(concept) : "",
      terms: concept ? concept.terms.map((term, k) => ({ term, weight: concept.weights[k] })) : [],
      ...(conf ? { confidence: conf.confidence, f1: conf.heldOut.f1, threshold: conf.threshold } : {}),
      distribution: activationDistribution(acts, j),
      sequenceSupport: acts.sequenceSupport[j],
      positionSupport: acts.positionSupport[j],
      top: ranked.slice(0, show).map((f) => {
        const seq = sequences[f.sequence];
        const from = Math.max(0, f.position - 9);
        const user = opts.users?.[f.sequence];
        return {
          sequence: f.sequence,
          ...(user !== undefined ? { user } : {}),
          position: f.position,
          activation: f.value,
          items: Array.from(seq.subarray(from, f.position + 1), (i) => {
            const title = catalogue.itemTitles?.[i];
            return { item: i, id: catalogue.itemIds[i], ...(title ? { title } : {}) };
          }),
        };
      }),
      ...(llm ? { llm } : {}),
    });
  }
  const scored = latents.filter((l) => l.confidence !== undefined);
  const confs = scored.map((l) => l.confidence as number);
  const llmScored = latents.flatMap((l) => (l.llm && "confidence" in l.llm ? [l.llm.confidence] : []));
  return {
    sequences: acts.sequences,
    positions: acts.positions,
    neurons: acts.dSae,
    live: live.length,
    scored: scored.length,
    confidentShare: live.length > 0 ? confs.filter((c) => c >= CONFIDENT).length / live.length : 0,
    meanConfidence: mean(confs),
    chance: {
      meanConfidence: mean(chance),
      confidentShare: chance.length > 0 ? chance.filter((c) => c >= CONFIDENT).length / chance.length : 0,
    },
    ...(opts.llm
      ? {
          llm: {
            scored: llmScored.length,
            confidentShare:
              live.length > 0 ? llmScored.filter((c) => c >= CONFIDENT).length / live.length : 0,
            failures: llmFailed,
          },
        }
      : {}),
    weighting: w,
    latents,
  };
}

/**
 * Label entries from the sequence concepts (source "tfidf", concept kind "sequence"): the concept's
 * first terms as the label, its confidence and F1 (and the LLM's) as scores.
 */
export function sequenceLabelEntries(
  report: SequenceConceptsReport,
  now = new Date(),
): Map<number, LabelEntry> {
  const out = new Map<number, LabelEntry>();
  for (const l of report.latents) {
    if (l.label === "" || l.confidence === undefined) continue;
    const scores: Record<string, number> = {
      sequenceConfidence: l.confidence,
      sequenceF1: l.f1 ?? 0,
      sequenceSupport: l.sequenceSupport,
    };
    if (l.llm && "confidence" in l.llm) scores.llmSequenceConfidence = l.llm.confidence;
    out.set(l.neuron, {
      label: l.label.slice(0, 200),
      source: "tfidf",
      description:
        `sequence concept: ${l.terms.map((t) => `${t.term} (${t.weight.toFixed(2)})`).join(", ")}`.slice(
          0,
          2000,
        ),
      concept: { kind: "sequence", name: l.terms[0].term },
      scores,
      updatedAt: now.toISOString(),
    });
  }
  return out;
}

/** A one-row markdown table of the report for `model` on `dataset` (share of confident live latents). */
export function sequenceConfidenceMarkdown(
  model: string,
  dataset: string,
  r: SequenceConceptsReport,
): string {
  const f = (v: number): string => v.toFixed(3);
  const llm = r.llm ? ` ${f(r.llm.confidentShare)} |` : " - |";
  return [
    `# Concepts of sequences: confidence (share of live latents >= ${CONFIDENT})`,
    "",
    "| model | dataset | live latents | scored | share >= 0.8 | mean confidence | chance mean | LLM share >= 0.8 |",
    "|---|---|---|---|---|---|---|---|",
    `| ${model} | ${dataset} | ${r.live} | ${r.scored} | ${f(r.confidentShare)} | ${f(r.meanConfidence)} | ${f(r.chance.meanConfidence)} |${llm}`,
    "",
  ].join("\n");
}

/** Writes sequence-concepts.json, sequence-confidence.md and the confidence histogram(s) into `dir`. */
export function writeSequenceConcepts(
  dir: string,
  model: string,
  dataset: string,
  report: SequenceConceptsReport,
): Record<string, string> {
  const files: Record<string, string> = {
    sequenceConcepts: join(dir, SEQUENCE_CONCEPTS_FILE),
    sequenceConfidence: join(dir, "sequence-confidence.md"),
    sequenceConfidenceHistogram: join(dir, "sequence-confidence.svg"),
  };
  writeFileAtomic(files.sequenceConcepts, `${JSON.stringify({ model, dataset, ...report })}\n`);
  writeFileAtomic(files.sequenceConfidence, sequenceConfidenceMarkdown(model, dataset, report));
  const hist = (values: number[], who: string): string =>
    histogramSvg(values, {
      title: `${who} confidence of the sequence concepts (${model}, ${dataset})`,
      xLabel: "held-out detection accuracy",
      yLabel: "latents",
      bins: 20,
      range: [0, 1],
    });
  writeFileAtomic(
    files.sequenceConfidenceHistogram,
    hist(
      report.latents.flatMap((l) => (l.confidence !== undefined ? [l.confidence] : [])),
      "built-in",
    ),
  );
  if (report.llm) {
    files.llmSequenceConfidenceHistogram = join(dir, "sequence-confidence-llm.svg");
    writeFileAtomic(
      files.llmSequenceConfidenceHistogram,
      hist(
        report.latents.flatMap((l) => (l.llm && "confidence" in l.llm ? [l.llm.confidence] : [])),
        "LLM",
      ),
    );
  }
  return files;
}
