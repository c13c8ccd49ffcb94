import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reclens } from "../cli/test-utils/reclens.js";
import { timeOrderedItems } from "../data/splits/index.js";
import { explainSaerec } from "../models/saerec-explain.js";
import type { SaeRec } from "../models/saerec.js";
import { createServer } from "../serve/api.js";
import type { ErrorBody } from "../serve/http-errors.js";
import { loadWorkspace } from "../serve/run-loader.js";
import { explainIntentsForUser, listRunIntents, type IntentExplainResult } from "./intent-explain.js";
import type { ModelRunContext } from "./run-context.js";
import { userIndex } from "./ids.js";
import { plantedSaerecRun } from "./intent-explain-testing.js";

/**
 * The intents service on a planted SAERec run (intent-explain-testing.ts; user 2 walks the "blue"
 * topic): score splits, switching intents off, the library listing,
 * and the same answers through `reclens recommend` and the HTTP routes.
 */
const root = mkdtempSync(join(tmpdir(), "reclens-intent-explain-"));
const lib = join(root, "lib");
let ctx: ModelRunContext;

const partsSum = (it: IntentExplainResult["items"][number]): number =>
  it.sequence + it.bias + it.intents.reduce((s, p) => s + p.score, 0);

beforeAll(async () => {
  ctx = await plantedSaerecRun(root, lib);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("explainIntentsForUser", () => {
  it("parts sum to each score, scores equal the model's own, the list is its top-n", () => {
    const r = explainIntentsForUser(ctx, "2", { n: 5 });
    expect(r.items.map((it) => it.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(r.left).toEqual([]);
    const u = userIndex(ctx.dataset, "2");
    const scores = ctx.model.scoreUsers({
      rows: ctx.dataset.matrix.rowRange(u, u + 1),
      sequences: [timeOrderedItems(ctx.dataset, u)],
    });
    for (const it of r.items) {
      expect(it.entered).toBe(false);
      expect(partsSum(it)).toBeCloseTo(it.score, 4);
      expect(it.score).toBeCloseTo(scores.get(0, it.item), 4);
      expect(it.intents.length).toBeGreaterThan(0);
    }
    // Top-n of every unseen item by the model's score.
    const seen = new Set(timeOrderedItems(ctx.dataset, u));
    const best = Array.from({ length: ctx.dataset.items.length }, (_, i) => i)
      .filter((i) => !seen.has(i))
      .sort((a, b) => scores.get(0, b) - scores.get(0, a) || a - b)
      .slice(0, 5);
    expect(r.items.map((it) => it.item)).toEqual(best);
  });

  it("switching an intent off re-ranks as computed: entered and left are the two lists' differences", () => {
    const u = userIndex(ctx.dataset, "2");
    const seq = timeOrderedItems(ctx.dataset, u);
    const plain = explainIntentsForUser(ctx, "2", { n: 6 });
    const mine = plain.intents.find((x) => x.branch === "personal");
    expect(mine?.label).toBe("blue"); // user 2 walks topic 2
    const r = explainIntentsForUser(ctx, "2", { n: 6, off: ["blue"] });
    expect(r.off).toEqual([{ intent: 2, label: "blue" }]);
    expect(r.intents.map((x) => x.intent)).not.toContain(2);
    // Independently: every item scored with intent 2 off, the top 6 unseen ones.
    const all = explainSaerec(ctx.model as SaeRec, seq, {
      items: Array.from({ length: ctx.dataset.items.length }, (_, i) => i),
      off: [2],
    }).items;
    const seen = new Set(seq);
    const expected = all
      .filter((it) => !seen.has(it.item))
      .sort((a, b) => b.score - a.score || a.item - b.item)
      .slice(0, 6);
    expect(r.items.map((it) => it.item)).toEqual(expected.map((it) => it.item));
    r.items.forEach((it, p) => {
      expect(it.score).toBeCloseTo(expected[p].score, 5);
      expect(partsSum(it)).toBeCloseTo(it.score, 4);
    });
    const before = new Set(plain.items.map((it) => it.item));
    const after = new Set(r.items.map((it) => it.item));
    expect(r.items.filter((it) => it.entered).map((it) => it.item)).toEqual(
      r.items.filter((it) => !before.has(it.item)).map((it) => it.item),
    );
    expect(r.left.map((it) => it.item)).toEqual(
      plain.items.filter((it) => !after.has(it.item)).map((it) => it.item),
    );
    expect(r.left.length).toBe(r.items.filter((it) => it.entered).length);
    // On this seed one item enters and one leaves (the order changes too).
    expect(r.left.length).toBe(1);
    expect(r.items.map((it) => it.item)).not.toEqual(plain.items.map((it) => it.item));
    // Switching off changes the scores (the blue intent's parts are gone).
    expect(r.items.map((it) => it.score)).not.toEqual(
      plain.items.filter((it) => after.has(it.item)).map((it) => it.score),
    );
  });

  it("refuses bad n, unknown intents and models without intent branches", async () => {
    expect(() => explainIntentsForUser(ctx, "2", { n: 0 })).toThrow(
      "n must be an integer in [1, 200], got 0",
    );
    expect(() => explainIntentsForUser(ctx, "2", { n: 3, off: ["purple"] })).toThrow(
      'no intent is labelled "purple"',
    );
    expect(() => explainIntentsForUser(ctx, "2", { n: 3, off: ["7"] })).toThrow(
      "intent 7 does not exist (the library has 3)",
    );
    const fake = { ...ctx, model: { ...ctx.model, name: "sasrec" } } as unknown as ModelRunContext;
    expect(() => explainIntentsForUser(fake, "2", { n: 3 })).toThrow("intent explanations need a saerec run");
  });
});

describe("listRunIntents", () => {
  it("lists the run's intents by confidence with support, top items and keywords", () => {
    const r = listRunIntents(ctx, { top: 2 });
    expect(r.sourceRead).toBe(true);
    expect(r.total).toBe(3);
    expect(r.intents.map((i) => [i.id, i.label])).toEqual([
      [1, "green"],
      [2, "blue"],
      [0, "red"],
    ]);
    expect(r.intents.map((i) => i.confidence)).toEqual([0.9, 0.8, 0.7].map(Math.fround));
    for (const i of r.intents) expect(i.support).toBe(6);
    // Topic 1 = items 7..12; the strongest are 12 (1.5) and 11 (1.4).
    expect(r.intents[0].topItems.map((t) => [t.id, t.activation])).toEqual([
      ["12", Math.fround(1.5)],
      ["11", Math.fround(1.4)],
    ]);
    expect(r.intents[0].keywords).toEqual(["green", "greenish"]);
    const pub = new Set(Array.from((ctx.model as SaeRec).publicIntentIds));
    expect(pub.size).toBe(2);
    for (const i of r.intents) expect(i.public).toBe(pub.has(i.id));
    expect(listRunIntents(ctx, { query: "RE", offset: 0, limit: 5 }).intents.map((i) => i.label)).toEqual([
      "green",
      "red",
    ]);
    expect(listRunIntents(ctx, { offset: 1, limit: 1 }).intents.map((i) => i.id)).toEqual([2]);
  });
});

describe("reclens recommend --explain on a saerec run, and the HTTP routes", () => {
  it("--explain --json and --intent-off give the service's answer; the text names the intents", async () => {
    const run = ctx.dir;
    const cli = JSON.parse(
      await reclens("recommend", "--run", run, "--user", "2", "--n", "4", "--explain", "--json"),
    ) as IntentExplainResult;
    expect(cli.items.map((it) => it.item)).toEqual(
      explainIntentsForUser(ctx, "2", { n: 4 }).items.map((it) => it.item),
    );
    for (const it of cli.items) expect(partsSum(it)).toBeCloseTo(it.score, 4);
    const off = JSON.parse(
      await reclens("recommend", "--run", run, "--user", "2", "--n", "4", "--intent-off", "2", "--json"),
    ) as IntentExplainResult;
    expect(off.off).toEqual([{ intent: 2, label: "blue" }]);
    const text = await reclens("recommend", "--run", run, "--user", "2", "--n", "3", "--intent-off", "blue");
    expect(text).toContain('with "blue" (#2) off');
    expect(text).toMatch(/why: .*sequence [+-]/);
    await expect(
      reclens("recommend", "--run", run, "--user", "2", "--explain", "--boost", "1:0.3"),
    ).rejects.toThrow("do not combine with the intent explanation");
  });

  it("GET /api/intents and /api/users/:id/intents-explain answer as the service", async () => {
    await reclens(
      ...["sae", "train", "--run", ctx.dir, "--k", "2", "--expansion", "2", "--epochs", "2"],
      ...["--batch-size", "32", "--quiet"],
    );
    const app = createServer(await loadWorkspace(ctx.dir, { maxStatUsers: 20 }), { webRoot: null });
    try {
      const list = await app.inject({ method: "GET", url: "/api/intents?top=1&limit=2" });
      expect(list.statusCode).toBe(200);
      expect(list.json()).toEqual(JSON.parse(JSON.stringify(listRunIntents(ctx, { top: 1, limit: 2 }))));
      const res = await app.inject({ method: "GET", url: "/api/users/2/intents-explain?n=4&off=blue&off=0" });
      expect(res.statusCode).toBe(200);
      const body = res.json<IntentExplainResult>();
      const direct = explainIntentsForUser(ctx, "2", { n: 4, off: ["blue", "0"] });
      expect(body.off).toEqual(direct.off);
      expect(body.items.map((it) => [it.item, it.entered])).toEqual(
        direct.items.map((it) => [it.item, it.entered]),
      );
      body.items.forEach((it, p) => expect(it.score).toBeCloseTo(direct.items[p].score, 5));
      const bad = await app.inject({ method: "GET", url: "/api/users/2/intents-explain?off=purple" });
      expect(bad.statusCode).toBe(400);
      expect(bad.json<ErrorBody>().message).toContain('no intent is labelled "purple"');
      const nouser = await app.inject({ method: "GET", url: "/api/users/nobody/intents-explain" });
      expect(nouser.statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it("still lists from the model's copy when the library directory is gone", () => {
    rmSync(lib, { recursive: true, force: true });
    const r = listRunIntents(ctx, { top: 1 });
    expect(r.sourceRead).toBe(false);
    expect(r.intents.map((i) => i.id)).toEqual([1, 2, 0]);
    expect(r.intents[0].keywords).toBeUndefined();
    expect(r.intents[2].topItems.map((t) => t.id)).toEqual(["6"]);
  });
});
