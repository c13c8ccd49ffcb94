import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/program.js";
import { evaluateHeldOut } from "../models/evaluate.js";
import { importEmbeddings } from "./embeddings-import.js";
import { exportRun } from "./export.js";
import { itemVectors } from "./item-activations.js";
import { labelRun } from "./label-run.js";
import { modelListForUser, userBatchOf } from "./recommend-run.js";
import { openModelRun, type ModelRunContext } from "./run-context.js";
import { readRunLabels, runItemActivations } from "./run-labels.js";
import { loadRunSae, type LoadedSae } from "./sae-ref.js";
import { trainSaeOnRun } from "./sae-run.js";
import { PLANTED_SAE, plantedRun } from "./testing.js";

/** `reclens export` on a planted ELSA run with a TopK SAE and labels. */
const root = mkdtempSync(join(tmpdir(), "reclens-export-"));
let ctx: ModelRunContext;
let loaded: LoadedSae;
const out = (name: string): string => join(root, "out", name);

beforeAll(async () => {
  const planted = await plantedRun(root);
  ctx = await openModelRun(planted.ctx.dir);
  await trainSaeOnRun(ctx, PLANTED_SAE, { progress: "never" });
  loaded = loadRunSae(ctx);
  await labelRun(ctx);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Row = Record<string, unknown>;
async function parquetRows(path: string): Promise<Row[]> {
  return parquetReadObjects({ file: await asyncBufferFromFile(path) });
}
const jsonlRows = (path: string): Row[] =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Row);

describe("reclens export", () => {
  it("topk of every user (jsonl) is the model's own list, as `reclens recommend` without an SAE prints it", () => {
    const r = exportRun(ctx, { what: "topk", format: "jsonl", out: out("topk.jsonl"), part: "all", k: 10 });
    const rows = jsonlRows(r.path);
    expect(r.rows).toBe(rows.length);
    expect(rows.length).toBe(ctx.dataset.users.length * 10);
    for (const user of [ctx.dataset.users[0], ctx.dataset.users[ctx.split.test.users[0]]]) {
      const mine = rows.filter((x) => x.user === user);
      const want = modelListForUser(ctx, user, 10).items;
      expect(mine.map((x) => x.item)).toEqual(want.map((i) => i.id));
      expect(mine.map((x) => x.rank)).toEqual(want.map((_, p) => p + 1));
      mine.forEach((x, p) => expect(x.score).toBeCloseTo(want[p].score, 5));
    }
  });

  it("topk and split of the test users (Parquet) reproduce the run's Recall_trunc@20 and nDCG@20", async () => {
    exportRun(ctx, { what: "topk", format: "parquet", out: out("topk.parquet") });
    exportRun(ctx, { what: "split", format: "parquet", out: out("split.parquet") });
    const top = await parquetRows(out("topk.parquet"));
    const split = await parquetRows(out("split.parquet"));
    const target = new Map<string, Set<string>>();
    for (const s of split)
      if (s.part === "test" && s.role === "target") {
        const set = target.get(s.user as string) ?? new Set<string>();
        set.add(s.item as string);
        target.set(s.user as string, set);
      }
    const lists = new Map<string, string[]>();
    for (const t of top)
      lists.set(t.user as string, [...(lists.get(t.user as string) ?? []), t.item as string]);
    let recall = 0;
    let ndcg = 0;
    for (const [user, tg] of target) {
      const list = lists.get(user) ?? [];
      const hits = list.map((i) => (tg.has(i) ? 1 : 0));
      recall += hits.reduce<number>((a, b) => a + b, 0) / Math.min(20, tg.size);
      let dcg = 0;
      let idcg = 0;
      hits.forEach((h, p) => (dcg += h / Math.log2(p + 2)));
      for (let p = 0; p < Math.min(20, tg.size); p++) idcg += 1 / Math.log2(p + 2);
      ndcg += dcg / idcg;
    }
    const report = evaluateHeldOut(ctx.model, ctx.split.test, { ks: [20] });
    expect(target.size).toBe(report.users);
    expect(recall / target.size).toBeCloseTo(report.metrics["recall_trunc@20"].mean, 6);
    expect(ndcg / target.size).toBeCloseTo(report.metrics["ndcg@20"].mean, 6);
    // The split's rows are the run's: every training interaction and every fold-in/target pair.
    const s = ctx.split;
    const nnz = (m: { indptr: Int32Array; rows: number }): number => m.indptr[m.rows];
    expect(split.length).toBe(
      nnz(s.train) +
        nnz(s.validation.foldIn) +
        nnz(s.validation.target) +
        nnz(s.test.foldIn) +
        nnz(s.test.target),
    );
    const u0 = s.test.users[0];
    const want = Array.from(
      s.test.target.indices.subarray(s.test.target.indptr[0], s.test.target.indptr[1]),
      (i) => ctx.dataset.items[i],
    );
    expect([...(target.get(ctx.dataset.users[u0]) ?? [])].sort()).toEqual(want.sort());
  });

  it("codes (Parquet) are the SAE codes of each user's whole history", async () => {
    exportRun(ctx, { what: "codes", format: "parquet", out: out("codes.parquet") });
    const rows = await parquetRows(out("codes.parquet"));
    const u = ctx.split.test.users[1];
    const code = loaded.sae.encode(ctx.model.encodeUsers(userBatchOf(ctx, u)));
    const mine = rows.filter((x) => x.user === ctx.dataset.users[u]);
    expect(mine.map((x) => x.latent)).toEqual(Array.from(code.indices));
    // The export encodes users in batches: BLAS may round another row count differently (CPU dependent).
    mine.forEach((x, p) => expect(x.value).toBeCloseTo(code.values[p], 5));
    expect(mine.length).toBe(PLANTED_SAE.k);
  });

  it("activations (CSV) are the non-zeros of the item activations Z", () => {
    exportRun(ctx, { what: "activations", format: "csv", out: out("act.csv") });
    const lines = readFileSync(out("act.csv"), "utf8").trim().split("\n");
    expect(lines[0]).toBe("item,latent,value");
    const z = runItemActivations(ctx, loaded);
    let nnz = 0;
    for (const v of z.data) if (v !== 0) nnz++;
    expect(lines.length - 1).toBe(nnz);
    const [item, latent, value] = lines[1].split(",");
    const i = ctx.dataset.items.indexOf(item);
    expect(Number(value)).toBeCloseTo(z.get(i, Number(latent)), 6);
  });

  it("labels (CSV, JSONL) list the labelled latents with their scores", () => {
    const doc = readRunLabels(ctx, loaded);
    const n = Object.keys(doc.labels).length;
    expect(n).toBeGreaterThan(0);
    exportRun(ctx, { what: "labels", format: "jsonl", out: out("labels.jsonl") });
    const rows = jsonlRows(out("labels.jsonl"));
    expect(rows.length).toBe(n);
    const first = rows[0];
    expect(first.label).toBe(doc.labels[String(first.latent)].label);
    expect(first.scores).toEqual(doc.labels[String(first.latent)].scores);
    exportRun(ctx, { what: "labels", format: "csv", out: out("labels.csv") });
    const csv = readFileSync(out("labels.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe("latent,label,source,description,concept_kind,concept_name,scores,updated_at");
    expect(csv.length - 1).toBe(n);
  });

  it("embeddings (Parquet) read back through --embeddings as the same matrix, with ids", async () => {
    exportRun(ctx, { what: "embeddings", format: "parquet", out: out("users.parquet"), part: "test" });
    const back = await importEmbeddings(out("users.parquet"));
    const z = ctx.model.encodeUsers({ rows: ctx.split.test.foldIn });
    expect(Array.from(back.matrix.data)).toEqual(Array.from(z.data));
    expect(back.ids).toEqual(Array.from(ctx.split.test.users, (u) => ctx.dataset.users[u]));
    exportRun(ctx, { what: "embeddings", format: "parquet", out: out("items.parquet"), of: "items" });
    const items = await importEmbeddings(out("items.parquet"));
    expect(Array.from(items.matrix.data)).toEqual(Array.from(itemVectors(ctx.model).data));
  });

  it("refuses to overwrite without --force, and the CLI writes the file", async () => {
    expect(() => exportRun(ctx, { what: "split", format: "parquet", out: out("split.parquet") })).toThrow(
      /split\.parquet: exists; add --force to replace it/,
    );
    const code = await runCli(["node", "reclens", "export", ctx.dir, "--what", "split", "--format", "csv"]);
    expect(code).toBe(0);
    const file = join(ctx.dir, "exports", "split.csv");
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, "utf8").split("\n")[0]).toBe("user,item,part,role");
    expect(await runCli(["node", "reclens", "export", ctx.dir, "--what", "split", "--format", "csv"])).toBe(
      4,
    );
  });
});
