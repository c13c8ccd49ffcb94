import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExplainRunResult, ItemExplanation } from "../pipeline/explain.js";
import { createServer } from "../serve/api.js";
import type { ExplainView } from "../serve/explain.js";
import type { ErrorBody } from "../serve/http-errors.js";
import { loadWorkspace } from "../serve/run-loader.js";
import { plantedSaeRun, reclens } from "./test-utils/reclens.js";

/** `reclens recommend --explain` and GET /api/users/:id/explain, in-process on a planted ELSA run. */
const root = mkdtempSync(join(tmpdir(), "reclens-cli-explain-"));
let run: string;

/** Every part of an explanation added up (must give the score). */
function total(e: ItemExplanation): number {
  return (
    e.top.reduce((a, n) => a + n.contribution, 0) +
    e.rest.contribution +
    e.decoderBias +
    e.error +
    e.itemTerm +
    e.nonLinear
  );
}

beforeAll(async () => {
  run = (await plantedSaeRun(root, { label: true })).ctx.dir;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("reclens recommend --explain", () => {
  it("--json: every recommended item's top contributions, labels and terms sum to its listed score", async () => {
    const plain = JSON.parse(
      await reclens("recommend", "--run", run, "--user", "u0", "--n", "8", "--json"),
    ) as ExplainRunResult;
    const r = JSON.parse(
      await reclens("recommend", "--run", run, "--user", "u0", "--n", "8", "--explain", "--json"),
    ) as ExplainRunResult;
    // the same list and scores as without --explain
    expect(r.items.map((i) => [i.id, i.score])).toEqual(plain.items.map((i) => [i.id, i.score]));
    let labelled = 0;
    for (const it of r.items) {
      const e = it.explanation;
      expect(Object.keys(e).sort()).toEqual(
        ["decoderBias", "error", "itemTerm", "method", "nonLinear", "rest", "score", "top"].sort(),
      );
      expect(e.method).toBe("exact");
      expect(e.nonLinear).toBe(0);
      expect(e.score).toBe(it.score);
      expect(Math.abs(total(e) - it.score)).toBeLessThanOrEqual(1e-4 * Math.abs(it.score));
      // k = 4 active neurons: all listed (top 10), sorted by |contribution|, shares = contribution / score
      expect(e.top).toHaveLength(4);
      expect(e.rest).toEqual({ neurons: 0, contribution: 0 });
      for (let q = 1; q < e.top.length; q++)
        expect(Math.abs(e.top[q - 1].contribution)).toBeGreaterThanOrEqual(Math.abs(e.top[q].contribution));
      for (const n of e.top) {
        expect(n.share).toBeCloseTo(n.contribution / it.score, 12);
        expect(n.activation).toBeGreaterThan(0);
        if (n.label) labelled++;
      }
      // the listed neurons are the user's active neurons
      expect(e.top.map((n) => n.neuron).sort()).toEqual(r.neurons.map((n) => n.neuron).sort());
    }
    expect(labelled).toBeGreaterThan(0);
  });

  it("--top 2 lists two contributions and folds the rest into `rest`; the sum still holds", async () => {
    const r = JSON.parse(
      await reclens(
        "recommend",
        "--run",
        run,
        "--user",
        "u3",
        "--n",
        "5",
        "--explain",
        "--top",
        "2",
        "--json",
      ),
    ) as ExplainRunResult;
    for (const it of r.items) {
      expect(it.explanation.top).toHaveLength(2);
      expect(it.explanation.rest.neurons).toBe(2);
      expect(Math.abs(total(it.explanation) - it.score)).toBeLessThanOrEqual(1e-4 * Math.abs(it.score));
    }
  });

  it("explains the steered list: the boosted neuron's contribution grows on the items that entered", async () => {
    const base = JSON.parse(
      await reclens("recommend", "--run", run, "--user", "u0", "--n", "10", "--explain", "--json"),
    ) as ExplainRunResult;
    const active = new Set(base.neurons.map((n) => n.neuron));
    const j = [...Array(8).keys()].find((x) => !active.has(x)) as number;
    const args = ["recommend", "--run", run, "--user", "u0", "--n", "10", "--boost", `${j}:0.6`, "--json"];
    const steered = JSON.parse(await reclens(...args)) as ExplainRunResult;
    const r = JSON.parse(await reclens(...args, "--explain")) as ExplainRunResult;
    expect(r.items.map((i) => [i.id, i.score, i.entered])).toEqual(
      steered.items.map((i) => [i.id, i.score, i.entered]),
    );
    expect(r.items.some((i) => i.entered)).toBe(true);
    for (const it of r.items) {
      expect(Math.abs(total(it.explanation) - it.score)).toBeLessThanOrEqual(1e-4 * Math.abs(it.score));
      const boosted = it.explanation.top.find((n) => n.neuron === j);
      expect(boosted, `item ${it.id}`).toBeDefined();
    }
    // items that entered owe more of their score to the boosted neuron than the list's average
    const shareOf = (it: (typeof r.items)[number]): number =>
      it.explanation.top.find((n) => n.neuron === j)?.contribution ?? 0;
    const entered = r.items.filter((i) => i.entered).map(shareOf);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(entered)).toBeGreaterThanOrEqual(mean(r.items.map(shareOf)) - 1e-9);
  });

  it("text output: one `why:` line per item with at most 3 contributions, bias and error", async () => {
    const text = await reclens("recommend", "--run", run, "--user", "u0", "--n", "4", "--explain");
    const why = text.split("\n").filter((l) => l.trimStart().startsWith("why:"));
    expect(why).toHaveLength(4 + 1); // the method line, then one per item
    for (const l of why.slice(1)) {
      expect(l.match(/#\d+/g)?.length).toBe(3);
      expect(l).toMatch(/1 more [+-]\d/);
      expect(l).toMatch(/; bias [+-]\d.*, error [+-]\d/);
    }
  });
});

describe("GET /api/users/:id/explain", () => {
  it("returns the CLI's explanations for the same list and steering; one item on request", async () => {
    const app = createServer(await loadWorkspace(run, { maxStatUsers: 50 }), { webRoot: null });
    try {
      const cli = JSON.parse(
        await reclens(
          "recommend",
          "--run",
          run,
          "--user",
          "u0",
          "--n",
          "6",
          "--boost",
          "1:0.3",
          "--explain",
          "--json",
        ),
      ) as ExplainRunResult;
      const res = await app.inject({ method: "GET", url: "/api/users/u0/explain?n=6&boost=1:0.3" });
      expect(res.statusCode).toBe(200);
      const body = res.json<ExplainView>();
      expect(body.method).toBe("exact");
      expect(body.user.id).toBe("u0");
      expect(body.items.map((i) => [i.id, i.rank])).toEqual(cli.items.map((i, p) => [i.id, p + 1]));
      body.items.forEach((it, p) => {
        expect(Object.keys(it).sort()).toEqual(
          ["explanation", "id", "item", "rank", ...("title" in it ? ["title"] : [])].sort(),
        );
        expect(it.explanation.score).toBe(cli.items[p].score);
        expect(it.explanation.top).toEqual(cli.items[p].explanation.top);
      });
      // an item outside the list: rank null, its parts still sum to its score
      const listed = new Set(body.items.map((i) => i.id));
      const other = ["i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7"].find((id) => !listed.has(id)) as string;
      const one = (
        await app.inject({ method: "GET", url: `/api/users/u0/explain?n=6&boost=1:0.3&item=${other}&top=1` })
      ).json<ExplainView>();
      expect(one.items).toHaveLength(1);
      expect(one.items[0]).toMatchObject({ id: other, rank: null });
      expect(one.items[0].explanation.top).toHaveLength(1);
      const e = one.items[0].explanation;
      expect(Math.abs(total(e) - e.score)).toBeLessThanOrEqual(1e-4 * Math.max(1e-3, Math.abs(e.score)));
      // errors name the field
      const bad = await app.inject({ method: "GET", url: "/api/users/u0/explain?item=nope" });
      expect(bad.statusCode).toBe(404);
      expect(bad.json<ErrorBody>().message).toMatch(/^item "nope" not found/);
      const top = await app.inject({ method: "GET", url: "/api/users/u0/explain?top=500" });
      expect(top.statusCode).toBe(400);
      expect(top.json<ErrorBody>()).toMatchObject({
        field: "top",
        message: "top must be an integer in [1, 100], got 500",
      });
    } finally {
      await app.close();
    }
  });
});
