import { topItemsOf, topValuesOf } from "../concepts/activations.js";
import { dirname } from "node:path";
import type { LabelEntry } from "../concepts/labels.js";
import { sequenceNeuronView, type SequenceNeuronView } from "../pipeline/sequence-neurons.js";
import { histogramBins } from "../plot/charts.js";
import { describeItem, type ItemView } from "./item-view.js";
import { itemsPromotedBy } from "./promotes.js";
import type { Workspace } from "./workspace.js";

/** One row of the neuron list. */
export interface NeuronSummary {
  readonly neuron: number;
  readonly label: string | null;
  readonly source: string | null;
  /** Never activates on an item nor fires for a sampled user. */
  readonly dead: boolean;
  /** Share of the sampled users whose code activates the neuron. */
  readonly firingRate: number;
  /** Items activating the neuron. */
  readonly support: number;
  readonly maxActivation: number;
  /** The label's scores (purity@K, kl, entropy, monosemanticity, ...). */
  readonly scores: Record<string, number>;
}

/** Query of {@link listNeurons}. */
export interface NeuronListOptions {
  readonly q: string;
  readonly sort: "id" | "label" | "firing" | "support" | "purity" | "selectivity" | "monosemanticity";
  readonly order?: "asc" | "desc";
  readonly includeDead: boolean;
  readonly offset: number;
  readonly limit: number;
}

/** The summary of neuron j. */
export function summariseNeuron(ws: Workspace, j: number): NeuronSummary {
  const s = ws.neurons;
  const e = ws.labels.labels[String(j)];
  return {
    neuron: j,
    label: e?.label ?? null,
    source: e?.source ?? null,
    dead: s.activity.support[j] === 0 && s.firingCount[j] === 0,
    firingRate: s.usersConsidered > 0 ? s.firingCount[j] / s.usersConsidered : 0,
    support: s.activity.support[j],
    maxActivation: s.activity.max[j],
    scores: e?.scores ?? {},
  };
}

const SCORE_KEY: Record<string, string> = {
  purity: "purity@10",
  selectivity: "kl",
  monosemanticity: "monosemanticity",
};

/**
 * Neurons matching `q` (a neuron id, or a substring of the label, case-insensitive), sorted and paged.
 * Neurons without the sorted score come last whatever the order; ties by id.
 */
export function listNeurons(
  ws: Workspace,
  o: NeuronListOptions,
): { total: number; offset: number; limit: number; neurons: NeuronSummary[] } {
  const q = o.q.trim().toLowerCase();
  const all: NeuronSummary[] = [];
  for (let j = 0; j < ws.sae.dSae; j++) {
    const s = summariseNeuron(ws, j);
    if (s.dead && !o.includeDead) continue;
    if (q !== "" && String(j) !== q && !(s.label ?? "").toLowerCase().includes(q)) continue;
    all.push(s);
  }
  const order = o.order ?? (o.sort === "id" || o.sort === "label" ? "asc" : "desc");
  const sign = order === "asc" ? 1 : -1;
  const key = (s: NeuronSummary): number | string | undefined => {
    switch (o.sort) {
      case "id":
        return s.neuron;
      case "label":
        return s.label?.toLowerCase();
      case "firing":
        return s.firingRate;
      case "support":
        return s.support;
      default:
        return s.scores[SCORE_KEY[o.sort]];
    }
  };
  all.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === undefined || kb === undefined)
      return ka === kb ? a.neuron - b.neuron : ka === undefined ? 1 : -1;
    const c = typeof ka === "string" ? ka.localeCompare(kb as string) : ka - (kb as number);
    return c !== 0 ? sign * c : a.neuron - b.neuron;
  });
  return {
    total: all.length,
    offset: o.offset,
    limit: o.limit,
    neurons: all.slice(o.offset, o.offset + o.limit),
  };
}

/** Tag counts of one concept family over a neuron's top items. */
export interface TagDistributionView {
  readonly kind: string;
  /** Top items looked at. */
  readonly items: number;
  /** Concepts carried by the most top items, with how many carry each. */
  readonly tags: { name: string; count: number }[];
}

/** GET /api/neurons/:j response. */
export interface NeuronDetail extends NeuronSummary {
  readonly entry: LabelEntry | null;
  readonly usersConsidered: number;
  readonly firingUsers: number;
  /** Mean activation over the users it fires for. */
  readonly meanActivation: number;
  readonly topItems: { item: ItemView; activation: number }[];
  readonly tagDistribution: TagDistributionView[];
  /** Histogram of the neuron's activation over the sampled users it fires for. */
  readonly histogram: { edges: number[]; counts: number[] };
  /** Items whose score rises most when the neuron is raised (see promotes.ts). */
  readonly promotes: { item: ItemView; delta: number }[];
  /** Sequential runs labelled by `reclens label`: the concept of sequences and the top-activating sequences. */
  readonly sequences: SequenceNeuronView | null;
}

/** Tags shown per family. */
const TAGS_SHOWN = 10;

/** Everything the neuron card shows; `k` top items. */
export function neuronDetail(ws: Workspace, j: number, k: number): NeuronDetail {
  const s = ws.neurons;
  const items = topItemsOf(s.top, j, Math.min(k, s.top.k));
  const values = topValuesOf(s.top, j, Math.min(k, s.top.k));
  const tagDistribution: TagDistributionView[] = [];
  for (const family of ws.dataset.concepts) {
    const counts = new Map<number, number>();
    for (const i of items) {
      const m = family.matrix;
      for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++)
        if (m.values[p] > 0) counts.set(m.indices[p], (counts.get(m.indices[p]) ?? 0) + 1);
    }
    const tags = [...counts]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, TAGS_SHOWN)
      .map(([c, count]) => ({ name: family.names[c], count }));
    if (tags.length) tagDistribution.push({ kind: family.kind, items: items.length, tags });
  }
  const acts = s.userActivations.rowValues(j);
  let hi = 0;
  for (const v of acts) if (v > hi) hi = v;
  const h =
    acts.length > 0
      ? histogramBins(acts, 12, [0, hi])
      : { edges: new Float64Array(0), counts: new Int32Array(0) };
  return {
    ...summariseNeuron(ws, j),
    entry: ws.labels.labels[String(j)] ?? null,
    usersConsidered: s.usersConsidered,
    firingUsers: s.firingCount[j],
    meanActivation: s.meanActivation[j],
    topItems: Array.from(items, (i, p) => ({ item: describeItem(ws.dataset, i), activation: values[p] })),
    tagDistribution,
    histogram: { edges: Array.from(h.edges), counts: Array.from(h.counts) },
    promotes: itemsPromotedBy(ws, j, 10).map((p) => ({
      item: describeItem(ws.dataset, p.item),
      delta: p.delta,
    })),
    sequences:
      ws.model.sequential && ws.labelsPath
        ? (sequenceNeuronView(dirname(ws.labelsPath), j, k) ?? null)
        : null,
  };
}
