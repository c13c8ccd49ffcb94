import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStub, type Stub } from "../concepts/test-utils/llm-stub.js";
import { neuronDetail } from "../serve/neuron-views.js";
import { loadWorkspace } from "../serve/run-loader.js";
import { recommendForUser as serveRecommend } from "../serve/steering.js";
import { partBatch } from "../models/types.js";
import { topNItems, topNUnseen } from "../nested/nested-rank.js";
import { labelRun } from "./label-run.js";
import { recommendForUser } from "./recommend-run.js";
import { openModelRun, type ModelRunContext } from "./run-context.js";
import { loadRunSae } from "./sae-ref.js";
import { runItemActivations } from "./run-labels.js";
import { trainSaeOnRun } from "./sae-run.js";
import { sequenceLine, sequenceNeuronView } from "./sequence-neurons.js";
import { steerEvalRun } from "./steer-eval-run.js";
import type { SequenceConceptsReport } from "./sequence-concepts-run.js";
import { TINY_MODELS, writeSequenceCsv } from "./sequence-fixture.js";
import { trainRun } from "./train-run.js";

/** `reclens label` on a SASRec run (leave-one-out): sequence concepts, confidence and the LLM beside. */
const root = mkdtempSync(join(tmpdir(), "reclens-seq-label-"));
let ctx: ModelRunContext;
let stub: Stub;

beforeAll(async () => {
  const csv = join(root, "seq.csv");
  writeSequenceCsv(csv, { users: 40, items: 24, minLen: 5, maxLen: 12, seed: 7 });
  const out = join(root, "sasrec");
  await trainRun({
    data: `csv:${csv}`,
    model: "sasrec",
    modelConfig: { ...TINY_MODELS.sasrec, epochs: 4 },
    seed: 3,
    split: { kind: "leaveOneOut" },
    out,
    patience: 100,
  });
  ctx = await openModelRun(out);
  await trainSaeOnRun(ctx, { k: 4, expansion: 2, epochs: 5, lr: 3e-3, batchSize: 32 }, { progress: "never" });
  // the stub picks nothing when judging (accuracy = 0.5 on balanced sets) and names every feature "walk"
  stub = await startStub((req) => {
    const text = req.body.messages.map((m) => m.content).join("\n");
    if (text.includes("Which of these items match the feature?")) return { content: '{"matches": []}' };
    return { content: '{"label": "walk", "description": "consecutive items."}' };
  });
}, 120_000);
afterAll(async () => {
  await stub.close();
  rmSync(root, { recursive: true, force: true });
});

describe("label on a sequential run", () => {
  it("writes the concepts of sequences, their confidence and the LLM's beside", async () => {
    const r = await labelRun(ctx, {
      llm: true,
      llmConfig: { baseUrl: stub.url, model: "m", maxRetries: 0 },
      progress: { mode: "never" },
    });
    const s = r.sequences;
    if (!s) throw new Error("no sequence concepts");
    const dSae = r.doc.neurons;
    expect(r.firing.length).toBe(dSae);
    expect(r.itemActivations.rows).toBe(24); // one-item pseudo-sequences [i]
    const seqs = ctx.split.trainSequences as readonly Int32Array[];
    expect(s.summary.sequences).toBe(seqs.length);
    expect(s.summary.positions).toBe(seqs.reduce((n, q) => n + Math.min(q.length, 6), 0)); // maxLen 6
    expect(s.summary.live).toBeGreaterThan(0);
    const report = JSON.parse(readFileSync(s.files.sequenceConcepts, "utf8")) as SequenceConceptsReport & {
      model: string;
    };
    expect(report.model).toBe("sasrec");
    for (const l of report.latents) {
      for (const t of l.top) {
        // the window ends at the firing item; the users are the dataset's
        expect(t.items[t.items.length - 1].item).toBe(seqs[t.sequence][t.position]);
        expect(t.user).toBe(ctx.dataset.users[ctx.split.trainUsers[t.sequence]]);
      }
      // a CSV without titles: the items themselves are the terms (popularity is no item metadata)
      for (const term of l.terms) expect(term.term).toMatch(/^item:i\d+$/);
      if (l.llm && "confidence" in l.llm) {
        expect(l.llm.confidence).toBe(0.5);
        expect(l.llm.label).toBe("walk");
      }
    }
    const scored = report.latents.filter((l) => l.confidence !== undefined);
    const share = scored.filter((l) => (l.confidence as number) >= 0.8).length / report.live;
    expect(report.confidentShare).toBeCloseTo(share, 12);
    expect(report.llm?.scored).toBe(scored.length);
    // the LLM saw the windows with the firing item bracketed
    expect(stub.requests.some((q) => /\[i\d+\]/.test(q.body.messages[1].content))).toBe(true);
    // labels carry the sequence scores; summary.json records the share
    const withSeq = Object.values(r.doc.labels).filter((e) => e.scores.sequenceConfidence !== undefined);
    expect(withSeq.length).toBe(scored.filter((l) => l.label !== "").length);
    const summary = JSON.parse(readFileSync(r.files.summary, "utf8")) as {
      sequenceConcepts: { confidentShare: number };
    };
    expect(summary.sequenceConcepts.confidentShare).toBeCloseTo(report.confidentShare, 12);
    expect(existsSync(s.files.sequenceConfidenceHistogram)).toBe(true);
    expect(readFileSync(s.files.sequenceConfidence, "utf8")).toContain("| sasrec | ");
  });

  it("neurons show: a latent's top sequences, firing item last and bracketed", () => {
    const seqs = ctx.split.trainSequences as readonly Int32Array[];
    const report = JSON.parse(
      readFileSync(join(ctx.layout.concepts, "sequence-concepts.json"), "utf8"),
    ) as SequenceConceptsReport;
    const l = report.latents.find((x) => x.top.length >= 3);
    if (!l) throw new Error("no latent with 3 top sequences");
    const v = sequenceNeuronView(ctx.layout.concepts, l.neuron, 3);
    expect(v?.top).toHaveLength(3);
    const t = v?.top[0];
    if (!t) throw new Error("no top sequence");
    expect(t.items[t.items.length - 1].item).toBe(seqs[t.sequence][t.position]);
    const line = sequenceLine(t);
    expect(line.endsWith(`[${t.items[t.items.length - 1].id}]`)).toBe(true);
    expect(line.split(" > ").length).toBe(t.items.length + (t.position >= 10 ? 1 : 0));
    expect(sequenceNeuronView(ctx.layout.concepts, 10_000)).toBeUndefined();
    expect(sequenceNeuronView(root, 0)).toBeUndefined(); // no sequence-concepts.json there
  });

  it("recommend --boost on a SASRec run: the boosted latent's activation share is alpha", async () => {
    const loaded = loadRunSae(ctx);
    const user = ctx.dataset.users[0];
    const doc = JSON.parse(readFileSync(join(ctx.layout.concepts, "labels.json"), "utf8")) as Parameters<
      typeof recommendForUser
    >[2];
    const plain = recommendForUser(ctx, loaded, doc, user, { n: 5 });
    const j = plain.neurons.length > 0 ? (plain.neurons.at(-1)?.neuron as number) : 0;
    const r = recommendForUser(ctx, loaded, doc, user, { n: 5, boosts: [`${j}:0.9`], operator: "blend" });
    const total = r.steeredNeurons.reduce((a, n) => a + n.activation, 0);
    const boosted = r.steeredNeurons.find((n) => n.neuron === j)?.activation ?? 0;
    // Knots to Knobs boost: z'_j = (1 - alpha) z_j + alpha S, the total S kept
    const s0 = plain.neurons.reduce((a, n) => a + n.activation, 0);
    const zj = plain.neurons.find((n) => n.neuron === j)?.activation ?? 0;
    expect(total).toBeCloseTo(s0, 3);
    expect(boosted / total).toBeCloseTo(0.9 + (0.1 * zj) / s0, 4);
    expect(r.items.length).toBe(5);
    expect(plain.items.map((i) => i.item)).toEqual(r.unsteered.map((i) => i.item));
  });
});

describe("the panel on a sequential run", () => {
  it("steers a SASRec user like `reclens recommend` and shows the top sequences", async () => {
    const ws = await loadWorkspace(ctx.dir, { maxStatUsers: 20 });
    const loaded = loadRunSae(ctx);
    const doc = ws.labels;
    const cli = recommendForUser(ctx, loaded, doc, ctx.dataset.users[3], {
      n: 5,
      boosts: ["1:0.5"],
      operator: "blend",
    });
    const api = serveRecommend(ws, 3, 5, { boost: [{ neuron: 1, alpha: 0.5 }], suppress: [] });
    expect(api.items.map((i) => i.item.id)).toEqual(cli.items.map((i) => i.id));
    expect(api.unsteered.map((i) => i.item.id)).toEqual(cli.unsteered.map((i) => i.id));
    const report = JSON.parse(
      readFileSync(join(ctx.layout.concepts, "sequence-concepts.json"), "utf8"),
    ) as SequenceConceptsReport;
    const j = report.latents[0].neuron;
    const d = neuronDetail(ws, j, 4);
    expect(d.sequences?.top.map((t) => t.sequence)).toEqual(
      report.latents[0].top.slice(0, 4).map((t) => t.sequence),
    );
  });
});

describe("steer-eval on a sequential run", () => {
  it("HR@10 at suppression factor 1 is the model's own; the tables name HR@10 and what is kept", () => {
    const loaded = loadRunSae(ctx);
    const out = join(root, "steer");
    const r = steerEvalRun(ctx, loaded, runItemActivations(ctx, loaded), {
      alphas: [0, 0.5],
      minSupport: 1,
      out,
    });
    expect(r.metric).toBe("HR");
    expect(r.report.k).toBe(10);
    // the model's own HR@10 and list statistics on the test users
    const part = ctx.split.test;
    const top = topNUnseen(ctx.model.scoreUsers(partBatch(part, 0, part.foldIn.rows)), part.foldIn, 10);
    let hits = 0;
    const seen = new Set<number>();
    for (let u = 0; u < part.foldIn.rows; u++) {
      const list = topNItems(top, u);
      list.forEach((i) => seen.add(i));
      if (list.includes(part.target.rowIndices(u)[0])) hits++;
    }
    const d = r.debias;
    if (!d) throw new Error("no debiasing");
    expect(d.points[0].factor).toBe(1);
    expect(d.points[0].hit).toBeCloseTo(hits / part.foldIn.rows, 6);
    expect(d.points[0].kept).toBe(1);
    expect(d.points[0].coverage).toBeCloseTo(seen.size / 24, 12);
    for (const f of Object.values(r.files)) expect(existsSync(f)).toBe(true);
    expect(readFileSync(r.files.markdown, "utf8")).toContain("HR@10 kept");
    expect(readFileSync(r.files.debiasMarkdown, "utf8")).toMatch(/\| 1 \| \d\.\d{4} \| 1\.0000 \|/);
  });
});
