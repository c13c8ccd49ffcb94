import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelsPath, readLabels, setLabelInFile } from "../concepts/labels.js";
import { BadInput, NotFound } from "../errors.js";
import { trainingBatch } from "../models/types.js";
import { topNItems, topNUnseen } from "../nested/nested-rank.js";
import { readManifest } from "../store/manifest.js";
import { encodeNpyMatrix } from "../store/npy.js";
import { Matrix } from "../tensor/matrix.js";
import { itemActivations, itemVectors, itemVectorSource } from "./item-activations.js";
import { labelRun, type LabelRunResult } from "./label-run.js";
import { listNeurons, neuronDetail } from "./neurons.js";
import { promoteForRun } from "./promote-run.js";
import { recommendForUser, userBatchOf } from "./recommend-run.js";
import { encodeRows, trainingRepresentations } from "./representations.js";
import { openModelRun, type ModelRunContext } from "./run-context.js";
import { readRunLabels, runItemActivations } from "./run-labels.js";
import { evaluateSaeOnRun } from "./sae-eval.js";
import { firingRates } from "./sae-metrics.js";
import { conceptsDirOf, loadRunSae, type LoadedSae } from "./sae-ref.js";
import { trainSaeOnEmbeddings, trainSaeOnRun, type SaeRunResult } from "./sae-run.js";
import { modelScorer } from "./sae-settings.js";
import { steerEvalRun } from "./steer-eval-run.js";
import { PLANTED_SAE, plantedRun, type PlantedRun } from "./testing.js";

/**
 * The pipeline end to end on planted data: 300 users x 120 items x 4 concepts, ELSA (d = 16), a TopK
 * SAE (32 latents, k = 4) on the training users, labels from the default labeller.
 */
const root = mkdtempSync(join(tmpdir(), "reclens-pipeline-"));
let planted: PlantedRun;
let ctx: ModelRunContext;
let trained: SaeRunResult;
let loaded: LoadedSae;
let labelled: LabelRunResult;

beforeAll(async () => {
  planted = await plantedRun(root);
  ctx = await openModelRun(planted.ctx.dir); // from disk, as the CLI does
  trained = await trainSaeOnRun(ctx, PLANTED_SAE, { progress: "never" });
  loaded = loadRunSae(ctx);
  labelled = await labelRun(ctx);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("opening a run and encoding", () => {
  it("rebuilds the run's split and model exactly", () => {
    expect(Array.from(ctx.split.trainUsers)).toEqual(Array.from(planted.ctx.split.trainUsers));
    expect(Array.from(ctx.split.test.target.indices)).toEqual(
      Array.from(planted.ctx.split.test.target.indices),
    );
    const batch = { rows: ctx.split.test.foldIn };
    expect(Array.from(ctx.model.scoreUsers(batch).data)).toEqual(
      Array.from(planted.ctx.model.scoreUsers(batch).data),
    );
    expect(ctx.modelUserIds[ctx.split.trainUsers[5]]).toBe(5);
    expect(ctx.modelUserIds[ctx.split.test.users[0]]).toBe(-1);
  });

  it("encodes in batches exactly as one call", () => {
    const whole = ctx.model.encodeUsers(trainingBatch(ctx.split.train));
    expect(Array.from(trainingRepresentations(ctx.model, ctx.split.train, 7).data)).toEqual(
      Array.from(whole.data),
    );
    expect(encodeRows(ctx.model, ctx.split.test.foldIn).rows).toBe(ctx.split.test.users.length);
  });

  it("item activations of ELSA are the SAE codes of its item embeddings (onehot x A = A_i)", () => {
    expect(itemVectorSource(ctx.model)).toBe("onehot");
    const a = (ctx.model.encodeItems as () => Matrix).call(ctx.model);
    const v = itemVectors(ctx.model, "onehot", 50);
    expect(Array.from(v.data)).toEqual(Array.from(a.data));
    expect(Array.from(itemActivations(ctx.model, loaded.sae).data)).toEqual(
      Array.from(loaded.sae.encodeDense(a).data),
    );
  });
});

describe("SAE training on a run", () => {
  it("writes the SAE directory and records it in the run manifest", () => {
    for (const f of [
      "cfg.json",
      "sae_weights.safetensors",
      "manifest.json",
      "training.json",
      "firing-rates.svg",
    ])
      expect(existsSync(join(ctx.layout.sae, f))).toBe(true);
    const cfg = JSON.parse(readFileSync(join(ctx.layout.sae, "cfg.json"), "utf8")) as Record<string, unknown>;
    expect([cfg.architecture, cfg.d_in, cfg.d_sae, cfg.k, cfg.normalize_activations]).toEqual([
      "topk",
      16,
      32,
      4,
      "layer_norm", // reclens's per-sample normalisation, in SAELens's terms
    ]);
    const m = readManifest(ctx.layout.sae);
    expect(m.kind).toBe("sae");
    expect(m.data.hash).toBe(ctx.manifest.data.hash);
    const run = readManifest(ctx.dir);
    expect(run.metrics["sae/test/kept/recall_trunc@20"]).toBe(trained.metrics["test/kept/recall_trunc@20"]);
    expect(run.metrics["test/recall_trunc@20"]).toBe(ctx.manifest.metrics["test/recall_trunc@20"]); // model metrics untouched
    const dead = Math.round(32 * trained.metrics["train/deadFraction"]);
    expect(readFileSync(join(ctx.layout.sae, "firing-rates.svg"), "utf8")).toContain(
      `(32 latents, ${dead} dead)`,
    );
  });

  it("keeps most of the model's quality with exactly k active latents", () => {
    const m = trained.metrics;
    expect(m["test/recall_trunc@20"]).toBeCloseTo(ctx.manifest.metrics["test/recall_trunc@20"], 12); // the original model, same users
    expect(m["test/kept/recall_trunc@20"]).toBeGreaterThan(0.85);
    expect(m["test/kept/ndcg@20"]).toBeGreaterThan(0.85);
    expect(m["test/fve"]).toBeGreaterThan(0.75);
    expect(m["test/cosine"]).toBeGreaterThan(0.9);
    expect(m["test/rbo"]).toBeGreaterThan(0.6);
    expect(m["test/l0"]).toBe(4);
    expect(m["train/epochs"]).toBeLessThanOrEqual(30);
    expect(m["val/loss"]).toBeLessThan(trained.fitted.training.epochs[0].valLoss as number);
  });

  it("starts from data atoms by default, which leaves fewer latents dead than random atoms", async () => {
    const wide = { ...PLANTED_SAE, k: 2, expansion: 8 };
    const dead = async (init: "data" | "random") =>
      (await trainSaeOnRun(ctx, { ...wide, init }, { progress: "never", out: join(root, `sae-${init}`) }))
        .metrics["train/deadFraction"];
    const data = await dead("data");
    const random = await dead("random");
    // Measured: 18% of 128 latents dead from data atoms, 47% from random ones (k = 2, 240 users).
    expect(data).toBeLessThan(random - 0.15);
  });

  it("`sae eval` on the saved SAE reproduces the training-time metrics", () => {
    const r = evaluateSaeOnRun(ctx);
    for (const key of [
      "test/kept/recall_trunc@20",
      "test/rbo",
      "test/kendallTau",
      "test/fve",
      "val/nested/ndcg@20",
      "test/deadFraction",
    ])
      expect(r.metrics[key]).toBe(trained.metrics[key]);
    expect(r.metrics["train/deadFraction"]).toBe(trained.metrics["train/deadFraction"]);
  });

  it("the prediction-aware scorer is ELSA's decoder up to the -x term", () => {
    const batch = { rows: ctx.split.test.foldIn.rowRange(0, 5) };
    const z = ctx.model.encodeUsers(batch);
    const items = Int32Array.of(0, 7, 42, 119);
    const s = modelScorer(ctx.model).scoreItems(z, items);
    const full = ctx.model.decode(z, batch);
    const x = batch.rows.toDense();
    for (let r = 0; r < 5; r++)
      items.forEach((i, c) => expect(s.get(r, c)).toBeCloseTo(full.get(r, i) + x.get(r, i), 5));
  });

  it("trains with the prediction-aware loss", async () => {
    const r = await trainSaeOnRun(
      ctx,
      { ...PLANTED_SAE, epochs: 3, prediction: 0.1, predictionItems: 30 },
      { out: join(root, "pred-sae"), progress: "never" },
    );
    expect(r.fitted.losses.prediction?.items).toBe(30);
    expect(r.fitted.training.epochs[0].terms.prediction).toBeGreaterThan(0);
    expect(readManifest(ctx.dir).metrics["sae/test/kept/recall_trunc@20"]).toBe(
      trained.metrics["test/kept/recall_trunc@20"],
    ); // not the run's sae/
  });

  it("trains on imported embeddings", async () => {
    const file = join(root, "emb.npy");
    writeFileSync(file, encodeNpyMatrix(trainingRepresentations(ctx.model, ctx.split.train)));
    const r = await trainSaeOnEmbeddings(file, PLANTED_SAE, {
      out: join(root, "emb-sae"),
      progress: "never",
    });
    expect(r.metrics["val/rows"]).toBe(Math.round(0.1 * ctx.split.train.rows));
    expect(r.metrics["val/fve"]).toBeGreaterThan(0.75);
    expect(r.metrics["val/l0"]).toBe(4);
    expect(readManifest(r.dir).config.source).toBe("embeddings");
  });
});

describe("labelling", () => {
  it("recovers every planted concept: each is the label of a neuron with purity@10 >= 0.9", () => {
    for (const concept of planted.truth.conceptNames) {
      const pure = labelled.purity.neurons.filter(
        (n) => n.kind === "genre" && n.label === concept && n.purity["10"] >= 0.9,
      );
      expect(pure.length, concept).toBeGreaterThanOrEqual(1);
    }
    expect(labelled.purity.meanPurity["10"]).toBeGreaterThan(0.6);
  });

  it("writes labels, purity table, plots and item activations; firing rates are the training users'", () => {
    for (const f of Object.values(labelled.files)) expect(existsSync(f), f).toBe(true);
    expect(Object.keys(labelled.files)).toEqual(
      expect.arrayContaining(["genre/neuron-entropy.svg", "tag/tag-kl.svg", "purityMarkdown"]),
    );
    const doc = readLabels(labelled.files.labels);
    const rates = firingRates(loaded.sae, trainingRepresentations(ctx.model, ctx.split.train));
    for (const [n, e] of Object.entries(doc.labels)) expect(e.scores.firingRate).toBe(rates[Number(n)]);
    expect(Array.from(runItemActivations(ctx, loaded).data)).toEqual(
      Array.from(labelled.itemActivations.data),
    );
    const md = readFileSync(labelled.files.purityMarkdown, "utf8");
    expect(md).toContain("| genre | Noir |");
  });

  it("fits every planted genre's direction to its items (issue 18 part 5): weights sum to 1, R^2 recorded", () => {
    const genres = (labelled.doc.concepts ?? []).filter((c) => c.kind === "genre");
    expect(genres.length).toBe(planted.truth.conceptNames.length);
    for (const c of genres) {
      expect(c.directionFit?.method, c.name).toBe("fitted");
      expect(c.directionFit?.r2 ?? 0, c.name).toBeGreaterThan(0.2);
      expect(c.direction.length).toBeLessThanOrEqual(64);
      expect(c.direction.reduce((s, d) => s + d.weight, 0)).toBeCloseTo(1, 5);
    }
  });

  it("keeps a hand-set label when labelling again, and lists/shows neurons", async () => {
    const j = labelled.labeller.activity.live[0];
    setLabelInFile(labelsPath(ctx.layout.concepts), j, "My knob");
    const again = await labelRun(ctx);
    expect(again.doc.labels[String(j)].label).toBe("My knob");
    expect(again.doc.labels[String(j)].source).toBe("manual");
    expect(again.keptManual).toBe(1);
    const doc = readRunLabels(ctx, loaded);
    expect(listNeurons(doc, { q: "my KNOB" }).map((r) => r.neuron)).toEqual([j]);
    const byPurity = listNeurons(doc, { sort: "purity" }).filter((r) => r.purity !== undefined);
    for (let r = 1; r < byPurity.length; r++)
      expect(byPurity[r].purity as number).toBeLessThanOrEqual(byPurity[r - 1].purity as number);
    const d = neuronDetail(ctx.dataset, doc, again.itemActivations, j, 5);
    expect(d.topItems[0].activation).toBe(again.labeller.activity.max[j]);
    for (const f of d.tags) expect(f.top.reduce((a, t) => a + t.share, 0)).toBeLessThanOrEqual(1 + 1e-9);
  });
});

describe("steering", () => {
  it("recommend: alpha 0 is the model's own list; boosting a concept neuron brings in its items", () => {
    const u = ctx.split.trainUsers[0];
    const id = ctx.dataset.users[u];
    const doc = readRunLabels(ctx, loaded);
    const plain = recommendForUser(ctx, loaded, doc, id, { n: 10 });
    const batch = userBatchOf(ctx, u);
    const own = topNItems(topNUnseen(ctx.model.scoreUsers(batch), batch.rows, 10), 0);
    expect(plain.items.map((i) => i.item)).toEqual(Array.from(own));
    const zero = recommendForUser(ctx, loaded, doc, id, { n: 10, boosts: ["3:0"] });
    expect(zero.items.map((i) => i.item)).toEqual(Array.from(own));
    expect(zero.items.some((i) => i.entered)).toBe(false);
    // the purest neuron of a concept the user's list does not already lead with
    const top = planted.truth.itemConcept[own[0]];
    const other = labelled.purity.concepts.find(
      (c) => c.kind === "genre" && c.bestNeuron >= 0 && c.concept !== planted.truth.conceptNames[top],
    );
    if (!other) throw new Error("no other concept");
    const boosted = recommendForUser(ctx, loaded, doc, id, { n: 10, boosts: [`${other.bestNeuron}:0.6`] });
    const entered = boosted.items.filter((i) => i.entered);
    expect(entered.length).toBeGreaterThan(0);
    expect(boosted.left.length).toBe(entered.length);
    const inConcept = entered.filter(
      (i) => planted.truth.conceptNames[planted.truth.itemConcept[i.item]] === other.concept,
    ).length;
    expect(inConcept / entered.length).toBeGreaterThan(0.5);
  });

  it("unknown ids are NotFound errors naming the id and a few known ones", () => {
    const doc = readRunLabels(ctx, loaded);
    expect(() => recommendForUser(ctx, loaded, doc, "nobody")).toThrow(
      /^user "nobody" not found \(300 users, e\.g\. "u0"/,
    );
    expect(() => recommendForUser(ctx, loaded, doc, "nobody")).toThrow(NotFound);
    expect(() => promoteForRun(ctx, loaded, doc, { item: "zz", neuron: "0", strengths: [1] })).toThrow(
      /^item "zz" not found/,
    );
    expect(() => promoteForRun(ctx, loaded, doc, { item: "i5", neuron: "0", strengths: [-1] })).toThrow(
      new BadInput("strength: must be a finite number >= 0, got -1", "strength"),
    );
  });

  it("promote: strength 0 changes nothing; users only ever enter (or leave) more as the strength grows", () => {
    const doc = readRunLabels(ctx, loaded);
    const item = 5;
    const z = labelled.itemActivations.row(item);
    const neuron = z.indexOf(Math.max(...z)); // the item's strongest latent
    const opts = { item: ctx.dataset.items[item], neuron: String(neuron), n: 20 };
    const r = promoteForRun(ctx, loaded, doc, { ...opts, strengths: [0, 1, 3], batchSize: 100 });
    expect(r.users).toBe(300);
    expect(r.itemNeurons[0].neuron).toBe(neuron);
    expect(r.points[0]).toEqual({
      strength: 0,
      usersInTopN: r.baselineInTopN,
      entered: 0,
      left: 0,
      meanRankGain: 0,
    });
    // a user's score moves linearly in the strength, so who crossed the top-n line stays crossed
    expect(r.points[1].entered).toBeGreaterThan(0);
    expect(r.points[2].entered).toBeGreaterThanOrEqual(r.points[1].entered);
    expect(r.points[2].left).toBeGreaterThanOrEqual(r.points[1].left);
    for (const p of r.points) expect(p.usersInTopN).toBe(r.baselineInTopN + p.entered - p.left);
    const single = promoteForRun(ctx, loaded, doc, { ...opts, strengths: [1] });
    expect(single.points[0]).toEqual(r.points[1]); // batching does not change the totals
  });

  it("steer-eval: both mappings start from the same alpha-0 point; boosting raises the segment share", () => {
    const r = steerEvalRun(ctx, loaded, labelled.itemActivations, { alphas: [0, 0.2, 0.5] });
    for (const f of Object.values(r.files)) expect(existsSync(f)).toBe(true);
    const [u, rep] = r.report.curves;
    expect(u.mapping).toBe("unique");
    expect(rep.mapping).toBe("representative");
    if (u.users === rep.users) expect(u.points[0].recall.mean).toBe(rep.points[0].recall.mean);
    expect(u.points[2].segmentShare.mean).toBeGreaterThan(u.points[0].segmentShare.mean);
    expect(r.rows).toHaveLength(6);
    expect(readFileSync(r.files.svg, "utf8")).toContain('<path class="series"');
  });
});

describe("a second SAE of the same run", () => {
  it("is labelled into <sae>/concepts and leaves the run's own labels alone", async () => {
    const other = join(root, "other-sae");
    await trainSaeOnRun(ctx, { ...PLANTED_SAE, seed: 5, epochs: 3 }, { progress: "never", out: other });
    const before = readFileSync(labelsPath(ctx.layout.concepts), "utf8");
    expect(conceptsDirOf(ctx.layout)).toBe(ctx.layout.concepts);
    expect(conceptsDirOf(ctx.layout, join(ctx.dir, "sae", "."))).toBe(ctx.layout.concepts);
    expect(conceptsDirOf(ctx.layout, other)).toBe(join(other, "concepts"));
    const r = await labelRun(ctx, { saeDir: other });
    expect(r.files.labels).toBe(labelsPath(join(other, "concepts")));
    expect(readFileSync(labelsPath(ctx.layout.concepts), "utf8")).toBe(before);
    const otherSae = loadRunSae(ctx, other);
    expect(readRunLabels(ctx, otherSae)).toEqual(r.doc);
    expect(readRunLabels(ctx, loaded).labels).toEqual(readLabels(labelsPath(ctx.layout.concepts)).labels);
    expect(Array.from(runItemActivations(ctx, otherSae).data)).toEqual(Array.from(r.itemActivations.data));
  });
});

describe("a new SAE for the run (runs last: it replaces <run>/sae)", () => {
  it("is refused over existing labels unless forced, which deletes them; relabelling starts afresh", async () => {
    const settings = { ...PLANTED_SAE, seed: 99, epochs: 5 };
    await expect(trainSaeOnRun(ctx, settings, { progress: "never" })).rejects.toThrow(
      /labels of the SAE there\) would be left stale by a new SAE\. Run `reclens sae train --run .* --force`/,
    );
    await trainSaeOnRun(ctx, settings, { progress: "never", force: true });
    expect(existsSync(ctx.layout.concepts)).toBe(false);
    const fresh = loadRunSae(ctx);
    expect(fresh.fingerprint).not.toBe(loaded.fingerprint);
    expect(readRunLabels(ctx, fresh).labels).toEqual({});
    const again = await labelRun(ctx);
    expect(again.keptManual).toBe(0);
    expect(Object.values(again.doc.labels).every((e) => e.source === "tfidf")).toBe(true);
    expect(readRunLabels(ctx, fresh).neurons).toBe(32);
  });
});
