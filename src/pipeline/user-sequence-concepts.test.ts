import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureDir } from "../data/test-utils/fixtures.js";
import { Rng } from "../tensor/rng.js";
import { labelRun, type LabelRunResult } from "./label-run.js";
import { trainingRepresentations } from "./representations.js";
import { openModelRun, type ModelRunContext } from "./run-context.js";
import { trainSaeOnRun } from "./sae-run.js";
import type { SequenceConceptsReport } from "./sequence-concepts-run.js";
import { USER_WINDOW, userStatesAsPositions } from "./sequence-label.js";
import { trainRun } from "./train-run.js";

/**
 * Concepts of sequences for a two-tower run (RecSAE's confidence for MF, NCF, LightGCN): planted S3-Rec
 * data, 3 clusters of 8 items whose titles and category name the cluster; each user's history stays
 * in one cluster. An MF on leave-one-out and a TopK SAE on its users and items: a latent whose
 * top-activating users come from one cluster has a concept naming it, at confidence >= 0.9.
 */
const CLUSTERS = ["alpha", "beta", "gamma"];
const SIZE = 8;
const clusterOf = (item: number): number => Math.floor((item - 1) / SIZE); // S3-Rec ids are 1-based

const rng = new Rng(13);
const lines: string[] = [];
for (let u = 1; u <= 150; u++) {
  const c = u % 3;
  const order = rng.permutation(SIZE);
  lines.push(`${u} ${Array.from({ length: 6 + rng.int(3) }, (_, t) => 1 + c * SIZE + order[t]).join(" ")}`);
}
const ids = Array.from({ length: 3 * SIZE }, (_, i) => i + 1);
const itemFile = [
  "item_id:token\ttitle:token\tsales_type:token\tsales_rank:float\tcategories:token_seq\tprice:float\tbrand:token",
  ...ids.map(
    (i) => `A${i}\t${CLUSTERS[clusterOf(i)]} piece${i}\tBeauty\t1\t'Beauty', '${CLUSTERS[clusterOf(i)]}'\t\t`,
  ),
];
const dir = fixtureDir({
  "Beauty.txt": `${lines.join("\n")}\n`,
  "Beauty_datamaps.json": JSON.stringify({
    id2item: Object.fromEntries(ids.map((i) => [String(i), `A${i}`])),
  }),
  "Amazon_Beauty.item": `${itemFile.join("\n")}\n`,
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let ctx: ModelRunContext;
let r: LabelRunResult;
let report: SequenceConceptsReport;

beforeAll(async () => {
  const out = join(dir, "mf");
  await trainRun({
    data: `s3rec:${join(dir, "Beauty.txt")}`,
    model: "mf",
    modelConfig: { dim: 8, epochs: 30, batchSize: 64 },
    seed: 2,
    split: { kind: "leaveOneOut" },
    out,
    patience: 100,
  });
  ctx = await openModelRun(out);
  await trainSaeOnRun(
    ctx,
    { k: 2, expansion: 2, epochs: 40, lr: 1e-2, batchSize: 32 },
    { progress: "never" },
  );
  r = await labelRun(ctx, { progress: { mode: "never" } });
  if (!r.sequences) throw new Error("no sequence concepts");
  report = r.sequences.report;
}, 120_000);

describe("concepts of sequences on a two-tower run", () => {
  it("one state per training sequence, at its last position: the user's training representation", () => {
    const seqs = ctx.split.trainSequences as readonly Int32Array[];
    const users = trainingRepresentations(ctx.model, ctx.split.train);
    const { states, offsets } = userStatesAsPositions(ctx, users).encodePositions([seqs[4], seqs[0]]);
    expect(Array.from(offsets)).toEqual([0, 1, 2]);
    expect(Array.from(states.row(0))).toEqual(Array.from(users.row(4)));
    expect(Array.from(states.row(1))).toEqual(Array.from(users.row(0)));
    expect(() => userStatesAsPositions(ctx, users).encodePositions([Int32Array.from(seqs[0])])).toThrow(
      /not from the run's training split/,
    );
    expect(r.sequences?.summary.positions).toBe(seqs.length);
    for (const l of report.latents)
      for (const t of l.top) {
        expect(t.position).toBe(seqs[t.sequence].length - 1);
        // the window is the user's whole history here (USER_WINDOW: the last 50 items)
        expect(t.items.length).toBe(Math.min(USER_WINDOW.span, seqs[t.sequence].length));
      }
  });

  it("cluster latents: concept names the cluster at confidence >= 0.9; random windows near chance", () => {
    const seqs = ctx.split.trainSequences as readonly Int32Array[];
    const pure = report.latents.filter((l) => {
      const cs = new Set(l.top.map((t) => clusterOf(Number(ctx.dataset.items[seqs[t.sequence][0]]))));
      return l.top.length >= 10 && cs.size === 1 && (l.confidence ?? 0) >= 0.9;
    });
    expect(pure.length).toBeGreaterThan(0);
    for (const l of pure) {
      const c = clusterOf(Number(ctx.dataset.items[seqs[l.top[0].sequence][0]]));
      expect(l.terms.map((t) => t.term)).toContain(CLUSTERS[c]);
    }
    expect(report.chance.confidentShare).toBeLessThan(0.1);
    // every cluster has one (measured: 5 of 14 live latents; 64% of live latents >= 0.8, chance 0.45)
    expect(
      new Set(pure.map((l) => clusterOf(Number(ctx.dataset.items[seqs[l.top[0].sequence][0]])))).size,
    ).toBe(3);
  });

  it("keeps the item-level TF-IDF labels primary and adds the sequence confidence to them", () => {
    const labelled = Object.values(r.doc.labels);
    expect(labelled.length).toBeGreaterThan(0);
    expect(labelled.every((e) => e.source === "tfidf")).toBe(true);
    expect(labelled.some((e) => e.scores.sequenceConfidence !== undefined)).toBe(true);
  });
});
