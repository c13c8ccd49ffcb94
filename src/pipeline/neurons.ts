import type { LabelEntry, LabelsDoc } from "../concepts/labels.js";
import { tagItemDistribution } from "../concepts/tfidf.js";
import type { Dataset } from "../data/types.js";
import { NotFound } from "../errors.js";
import type { Matrix } from "../tensor/matrix.js";
import { resolveNeuron } from "./knobs.js";

/**
 * Neuron queries (list, show) and the one check of a neuron id: NotFound unless j is in [0, dSae),
 * worded the same for the CLI and the HTTP API.
 */
export function checkNeuronId(j: number, dSae: number, field = "neuron"): void {
  if (!(Number.isInteger(j) && j >= 0 && j < dSae))
    throw new NotFound(`neuron ${j} not found (the SAE has ${dSae} neurons, 0 to ${dSae - 1})`, field);
}

/** A neuron by id (NotFound when out of range) or by label (resolveNeuron: BadInput when no or several match). */
export function findNeuron(doc: LabelsDoc, ref: string, field = "neuron"): number {
  const text = ref.trim();
  if (/^\d+$/.test(text)) {
    checkNeuronId(Number(text), doc.neurons, field);
    return Number(text);
  }
  return resolveNeuron(doc, text, field);
}

/** How `listNeurons` orders rows: by id, or by a score descending (missing scores last). */
export type NeuronSort = "id" | "purity" | "kl" | "firing";

/** One row of the neuron list. */
export interface NeuronRow {
  readonly neuron: number;
  readonly label: string;
  readonly source: LabelEntry["source"];
  readonly concept?: string;
  /** purity@10 of the label's concept (default labeller only). */
  readonly purity?: number;
  readonly kl?: number;
  readonly firingRate?: number;
  readonly support?: number;
}

/** Options of {@link listNeurons}. */
export interface ListNeuronsOptions {
  readonly sort?: NeuronSort;
  /** Case-insensitive text matched against label, description and concept name. */
  readonly q?: string;
  readonly limit?: number;
}

const SORT_KEY: Record<Exclude<NeuronSort, "id">, keyof NeuronRow> = {
  purity: "purity",
  kl: "kl",
  firing: "firingRate",
};

/** The labelled neurons as rows, filtered by `q`, sorted and cut to `limit`. */
export function listNeurons(doc: LabelsDoc, opts: ListNeuronsOptions = {}): NeuronRow[] {
  const q = opts.q?.trim().toLowerCase();
  let rows: NeuronRow[] = Object.entries(doc.labels)
    .filter(
      ([, e]) =>
        !q || [e.label, e.description ?? "", e.concept?.name ?? ""].some((s) => s.toLowerCase().includes(q)),
    )
    .map(([id, e]) => ({
      neuron: Number(id),
      label: e.label,
      source: e.source,
      ...(e.concept ? { concept: `${e.concept.kind}:${e.concept.name}` } : {}),
      ...(e.scores["purity@10"] !== undefined ? { purity: e.scores["purity@10"] } : {}),
      ...(e.scores.kl !== undefined ? { kl: e.scores.kl } : {}),
      ...(e.scores.firingRate !== undefined ? { firingRate: e.scores.firingRate } : {}),
      ...(e.scores.support !== undefined ? { support: e.scores.support } : {}),
    }));
  const sort = opts.sort ?? "id";
  if (sort === "id") rows.sort((a, b) => a.neuron - b.neuron);
  else {
    const key = SORT_KEY[sort];
    const v = (r: NeuronRow): number => (r[key] as number | undefined) ?? -Infinity;
    rows.sort((a, b) => v(b) - v(a) || a.neuron - b.neuron);
  }
  if (opts.limit !== undefined) rows = rows.slice(0, opts.limit);
  return rows;
}

/** A neuron's top item. */
export interface TopItem {
  readonly item: number;
  readonly id: string;
  readonly title?: string;
  readonly activation: number;
}

/** Share of a neuron's activation mass going to one tag of a family. */
export interface TagShare {
  readonly tag: string;
  readonly share: number;
}

/** Everything `reclens neurons show` prints about one neuron. */
export interface NeuronDetail {
  readonly neuron: number;
  readonly entry?: LabelEntry;
  /** Items with z > 0 (support) and the top ones by activation. */
  readonly support: number;
  readonly topItems: TopItem[];
  /** Per concept family: the neuron's distribution over its tags, M[t, j] / sum_t M[t, j] with M = P^T Z (joint P), top tags. */
  readonly tags: { readonly kind: string; readonly top: TagShare[] }[];
}

/** Label, scores, top items (with titles) and tag distribution of neuron `j` from Z (items x neurons). */
export function neuronDetail(
  dataset: Dataset,
  doc: LabelsDoc,
  z: Matrix,
  j: number,
  top = 10,
  topTags = 8,
): NeuronDetail {
  checkNeuronId(j, z.cols);
  const active: number[] = [];
  for (let i = 0; i < z.rows; i++) if (z.data[i * z.cols + j] > 0) active.push(i);
  const act = (i: number): number => z.data[i * z.cols + j];
  active.sort((a, b) => act(b) - act(a) || a - b);
  const topItems = active.slice(0, top).map((i) => ({
    item: i,
    id: dataset.items[i],
    ...(dataset.itemTitles?.[i] ? { title: dataset.itemTitles[i] } : {}),
    activation: act(i),
  }));
  const support = active.length;
  const tags = dataset.concepts.map((f) => {
    const p = tagItemDistribution(f, "joint");
    const mass = new Float64Array(f.names.length);
    for (let i = 0; i < z.rows; i++) {
      const a = z.data[i * z.cols + j];
      if (a <= 0) continue;
      for (let q = p.indptr[i]; q < p.indptr[i + 1]; q++) mass[p.indices[q]] += p.values[q] * a;
    }
    const total = mass.reduce((s, v) => s + v, 0);
    const order = Array.from(mass.keys())
      .filter((t) => mass[t] > 0)
      .sort((a, b) => mass[b] - mass[a] || a - b)
      .slice(0, topTags);
    return { kind: f.kind, top: order.map((t) => ({ tag: f.names[t], share: mass[t] / total })) };
  });
  const entry = doc.labels[String(j)];
  return { neuron: j, ...(entry ? { entry } : {}), support, topItems, tags };
}
