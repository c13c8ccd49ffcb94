import { beforeAll, describe, expect, it } from "vitest";
import { SasRec, SasRecConfigSchema } from "../models/sasrec.js";
import { makeSaeConfig } from "../sae/config.js";
import { SparseAutoencoder } from "../sae/model.js";
import { trainSae } from "../sae/trainer.js";
import { recommend } from "../steer/recommend.js";
import { Csr } from "../tensor/csr.js";
import { Rng } from "../tensor/rng.js";
import type { Matrix } from "../tensor/matrix.js";
import {
  CONFIDENT,
  sequenceActivationsOf,
  sequenceConcepts,
  type SequenceConceptsReport,
} from "./sequence-concepts-run.js";

/**
 * Planted clusters: 3 clusters of 8 items ("alpha", "beta", "gamma" in their titles); every
 * sequence stays in one cluster, visiting its items in random order. A SASRec fitted on them and a TopK SAE
 * on its position states must have latents whose top-activating sequences come from one cluster,
 * with concepts naming the cluster at confidence >= 0.9, while random windows score near chance;
 * boosting a cluster's latent raises that cluster's share of the next-item list.
 */
const CLUSTERS = ["alpha", "beta", "gamma"];
const SIZE = 8;
const ITEMS = CLUSTERS.length * SIZE;
const clusterOf = (i: number): number => Math.floor(i / SIZE);

function plantedSequences(count: number, seed: number): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const c = rng.int(CLUSTERS.length);
    const order = rng.permutation(SIZE);
    const len = 4 + rng.int(4);
    return Int32Array.from({ length: len }, (_, t) => c * SIZE + order[t]);
  });
}

function toCsr(seqs: readonly Int32Array[]): Csr {
  const r: number[] = [];
  const c: number[] = [];
  seqs.forEach((s, u) => {
    for (const i of new Set(s)) {
      r.push(u);
      c.push(i);
    }
  });
  return Csr.fromTriplets(seqs.length, ITEMS, r, c);
}

const seqs = plantedSequences(240, 11);
const titles = Array.from({ length: ITEMS }, (_, i) => `${CLUSTERS[clusterOf(i)]} piece${i}`);
let model: SasRec;
let sae: SparseAutoencoder;
let report: SequenceConceptsReport;

/** Shuffled batches of one epoch. */
function batches(x: Matrix, size: number, seed: number): (epoch: number) => Matrix[] {
  return (epoch) => {
    const order = new Rng(seed + epoch).permutation(x.rows);
    const out: Matrix[] = [];
    for (let s = 0; s + size <= x.rows; s += size) out.push(x.gatherRows(order.subarray(s, s + size)));
    return out;
  };
}

beforeAll(async () => {
  model = new SasRec(
    SasRecConfigSchema.parse({
      dim: 16,
      blocks: 1,
      maxLen: 8,
      dropout: 0.1,
      lr: 0.01,
      batchSize: 32,
      epochs: 12,
    }),
  );
  await model.fit(toCsr(seqs), { rng: new Rng(2), sequences: seqs });
  const { states } = model.encodePositions(seqs);
  sae = new SparseAutoencoder(
    makeSaeConfig("topk", 16, 32, { k: 4, normalisation: "none", bDecInit: "mean" }),
    0,
  );
  sae.initialise(states, { atoms: "data", seed: 3 });
  await trainSae(
    sae,
    batches(states, 64, 4),
    { l2: { weight: 1 } },
    { epochs: 30, lr: 1e-2, progress: "never", seed: 1 },
  );
  const acts = sequenceActivationsOf(model, sae, seqs, { top: 20, negativePool: 600, seed: 5 });
  report = await sequenceConcepts(
    { items: ITEMS, itemIds: titles.map((_, i) => `i${i}`), itemTitles: titles },
    seqs,
    acts,
    {
      seed: 6,
    },
  );
}, 120_000);

/** Share of a latent's top sequences from its majority cluster, and that cluster. */
function topCluster(neuron: number): { cluster: number; purity: number } {
  const l = report.latents.find((x) => x.neuron === neuron);
  if (!l) throw new Error(`latent ${neuron} is not live`);
  const counts = new Array<number>(CLUSTERS.length).fill(0);
  for (const t of l.top) counts[clusterOf(seqs[t.sequence][0])]++;
  const cluster = counts.indexOf(Math.max(...counts));
  return { cluster, purity: counts[cluster] / l.top.length };
}

describe("planted clusters: concepts of sequences", () => {
  it("cluster latents: pure top sequences, a concept naming the cluster, confidence >= 0.9", () => {
    const pure = report.latents.filter(
      (l) => l.top.length >= 10 && topCluster(l.neuron).purity === 1 && (l.confidence ?? 0) >= 0.9,
    );
    // every cluster has such a latent
    expect(new Set(pure.map((l) => topCluster(l.neuron).cluster)).size).toBe(CLUSTERS.length);
    for (const l of pure) {
      // the concept is the cluster: its name and the titles of its items, nothing else
      const c = topCluster(l.neuron).cluster;
      const own = new Set([
        CLUSTERS[c],
        ...titles.slice(c * SIZE, (c + 1) * SIZE).map((t) => t.split(" ")[1]),
      ]);
      expect(l.terms.map((t) => t.term)).toContain(CLUSTERS[c]);
      for (const t of l.terms) expect(own.has(t.term)).toBe(true);
      // the firing item is the last one of the displayed window
      const t = l.top[0];
      expect(t.items[t.items.length - 1].item).toBe(seqs[t.sequence][t.position]);
    }
    expect(report.confidentShare).toBeGreaterThan(0.5);
    expect(report.meanConfidence).toBeGreaterThan(CONFIDENT);
  });

  it("random windows (a latent firing at random) score near chance", () => {
    expect(Math.abs(report.chance.meanConfidence - 0.5)).toBeLessThan(0.12);
    expect(report.chance.confidentShare).toBeLessThan(0.1);
  });

  it("boosting a cluster's latent raises that cluster's share of the next-item list", () => {
    const best = report.latents
      .filter((l) => l.top.length >= 10 && topCluster(l.neuron).purity === 1)
      .sort((a, b) => (b.confidence ?? 0) - (a.confidence ?? 0))[0];
    const target = topCluster(best.neuron).cluster;
    const users = seqs.filter((s) => clusterOf(s[0]) !== target).slice(0, 40);
    const batch = { rows: toCsr(users), sequences: users };
    const share = (alpha: number): number => {
      const r = recommend(model, sae, batch, {
        n: 5,
        ...(alpha > 0
          ? { steer: [{ kind: "boost" as const, knobs: [{ neuron: best.neuron, alpha }] }] }
          : {}),
      });
      let inCluster = 0;
      let total = 0;
      for (const u of r.users) {
        total += u.items.length;
        for (const i of u.items) if (clusterOf(i) === target) inCluster++;
      }
      return inCluster / total;
    };
    const before = share(0);
    const after = share(0.8);
    expect(before).toBeLessThan(0.4);
    expect(after).toBeGreaterThan(before + 0.25); // 0.17 -> 0.525 here
  });
});
