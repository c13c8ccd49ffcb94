import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { labelsPath, readLabels } from "../concepts/labels.js";
import { startStub } from "../concepts/test-utils/llm-stub.js";
import type { PlantedRun } from "../pipeline/testing.js";
import { createServer } from "../serve/api.js";
import type { ErrorBody } from "../serve/http-errors.js";
import { loadWorkspace } from "../serve/run-loader.js";
import { runCli } from "./program.js";
import { plantedSaeRun, quietProgram, reclens, reclensJson as json } from "./test-utils/reclens.js";

/** The whole SAE -> concepts -> steering command chain, run in-process on a planted run. */
const root = mkdtempSync(join(tmpdir(), "reclens-cli-pipeline-"));
let planted: PlantedRun;
let run: string;

interface Rec {
  items: { item: number; id: string; entered: boolean }[];
  left: { id: string }[];
}

beforeAll(async () => {
  planted = await plantedSaeRun(root);
  run = planted.ctx.dir;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

describe("reclens sae", () => {
  it("train wrote an SAE whose eval reports the same metrics as its manifest", async () => {
    const m = JSON.parse(readFileSync(join(run, "sae", "manifest.json"), "utf8")) as {
      kind: string;
      metrics: Record<string, number>;
    };
    expect(m.kind).toBe("sae");
    expect(m.metrics["test/kept/recall_trunc@20"]).toBeGreaterThan(0.85);
    const ev = await json<{ metrics: Record<string, number> }>("sae", "eval", "--run", run, "--json");
    expect(ev.metrics["test/kept/recall_trunc@20"]).toBe(m.metrics["test/kept/recall_trunc@20"]);
    expect(ev.metrics["test/l0"]).toBe(4);
    const table = await reclens("sae", "eval", "--run", run);
    expect(table).toMatch(/Recall_trunc@20 kept\s+\d\.\d{4}\s+\d\.\d{4}/);
    expect(table).toContain("Kendall tau");
  });

  it("sweep trains the grid and writes the table and plot", async () => {
    const out = join(root, "sweep");
    const points = await json<{ name: string; l0: number; recallKept: number; users: string }[]>(
      "sae",
      "sweep",
      "--run",
      run,
      "--archs",
      "topk,relu",
      "--k",
      "2,4",
      "--expansion",
      "2",
      "--loss",
      "l2",
      "--epochs",
      "4",
      "--batch-size",
      "32",
      "--out",
      out,
      "--x",
      "k",
      "--json",
    );
    expect(points.map((p) => p.name)).toEqual(["topk-k2-x2-l2", "topk-k4-x2-l2", "relu-x2-l2"]);
    expect(points.map((p) => p.l0).slice(0, 2)).toEqual([2, 4]);
    for (const p of points) expect(existsSync(join(out, p.name, "sae_weights.safetensors"))).toBe(true);
    expect(
      readFileSync(join(out, "sweep.md"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("| topk")),
    ).toHaveLength(2);
    expect(readFileSync(join(out, "sweep.svg"), "utf8").match(/<path class="series"/g)).toHaveLength(1); // x = k: relu has no k
    expect(readFileSync(join(out, "sweep.svg"), "utf8")).toContain(">topk x2 l2<");
    expect(readFileSync(join(out, "sweep.svg"), "utf8")).toContain("vs sparsity (test users)");
    expect(readFileSync(join(out, "sweep.md"), "utf8")).toMatch(/^Nested metrics on test users;/);
    expect(points.every((p) => p.users === "test")).toBe(true);
  });

  it("trains on a CSV of embeddings and reports bad files precisely", async () => {
    const csv = join(root, "emb.csv");
    const rows = Array.from({ length: 60 }, (_, r) =>
      Array.from({ length: 6 }, (_, c) => Math.sin(r * 7 + c * 3).toFixed(4)).join(","),
    );
    writeFileSync(csv, `${["a", "b", "c", "d", "e", "f"].join(",")}\n${rows.join("\n")}\n`);
    const m = await json<{ config: { source: string }; metrics: Record<string, number> }>(
      "sae",
      "train",
      "--embeddings",
      csv,
      "--out",
      join(root, "emb-sae"),
      "--k",
      "2",
      "--expansion",
      "2",
      "--epochs",
      "3",
      "--json",
    );
    expect(m.config.source).toBe("embeddings");
    expect(m.metrics["val/rows"]).toBe(6);
    const bad = join(root, "bad.csv");
    writeFileSync(bad, "1,2\n3,x\n");
    await expect(
      reclens("sae", "train", "--embeddings", bad, "--out", join(root, "bad-sae")),
    ).rejects.toThrow(`${bad}:2:2: "x" is not a finite number`);
    await expect(reclens("sae", "train", "--embeddings", bad)).rejects.toThrow(
      "--out <dir> is required with --embeddings",
    );
    await expect(reclens("sae", "train", "--k", "2")).rejects.toThrow(
      "give exactly one of --run <dir> or --embeddings <file>",
    );
  });
});

describe("reclens label / neurons", () => {
  it("labels the neurons, recovering the planted concepts", async () => {
    const r = await json<{
      labels: string;
      purity: { concepts: { kind: string; concept: string; bestPurity: Record<string, number> }[] };
    }>("label", run, "--json");
    const genres = r.purity.concepts.filter((c) => c.kind === "genre");
    expect(genres.map((c) => c.concept).sort()).toEqual([...planted.truth.conceptNames].sort());
    for (const c of genres) expect(c.bestPurity["10"], c.concept).toBeGreaterThanOrEqual(0.9);
    for (const f of [
      "labels.json",
      "purity.md",
      "purity.json",
      "genre-neuron-kl.svg",
      "item-activations.safetensors",
    ])
      expect(existsSync(join(run, "concepts", f))).toBe(true);
  });

  it("label set persists and neurons list/show find it", async () => {
    await reclens("label", "set", run, "3", "Custom knob");
    expect(readLabels(labelsPath(join(run, "concepts"))).labels["3"]).toMatchObject({
      label: "Custom knob",
      source: "manual",
    });
    const rows = await json<{ neuron: number }[]>("neurons", "list", run, "--q", "CUSTOM", "--json");
    expect(rows.map((r) => r.neuron)).toEqual([3]);
    const d = await json<{ neuron: number; topItems: { activation: number }[] }>(
      "neurons",
      "show",
      run,
      "custom knob",
      "--json",
    );
    expect(d.neuron).toBe(3);
    for (let i = 1; i < d.topItems.length; i++)
      expect(d.topItems[i].activation).toBeLessThanOrEqual(d.topItems[i - 1].activation);
    await expect(reclens("label", "set", run, "x", "y")).rejects.toThrow(/expected a neuron id/);
    await expect(reclens("label", "set", run, "999", "y")).rejects.toThrow(
      "neuron 999 not found (the SAE has 32 neurons, 0 to 31)",
    );
  });

  it("--llm without an endpoint is a clear error; with one, neurons get LLM labels", async () => {
    vi.stubEnv("RECLENS_LLM_BASE_URL", "");
    vi.stubEnv("RECLENS_LLM_MODEL", "");
    await expect(reclens("label", run, "--llm")).rejects.toThrow(
      /--llm: No LLM endpoint configured \(missing RECLENS_LLM_BASE_URL and RECLENS_LLM_MODEL\)/,
    );
    const stub = await startStub((req) => {
      const text = req.body.messages[1].content;
      if (text.includes("Which of these items match")) return { content: '{"matches": [1]}' };
      const genre = /1\. [^\n]*\[genre: ([^,;\]]+)/.exec(text)?.[1] ?? "unknown";
      return {
        content: JSON.stringify({ label: `${genre} stories`, description: `Items of the ${genre} genre.` }),
      };
    });
    try {
      vi.stubEnv("RECLENS_LLM_BASE_URL", stub.url);
      vi.stubEnv("RECLENS_LLM_MODEL", "stub");
      await reclens("label", run, "--llm", "--top", "5");
      const doc = readLabels(labelsPath(join(run, "concepts")));
      const llm = Object.values(doc.labels).filter((e) => e.source === "llm");
      expect(llm.length).toBeGreaterThan(20);
      expect(llm.every((e) => / stories$/.test(e.label))).toBe(true);
      expect(doc.labels["3"].label).toBe("Custom knob"); // hand-set labels survive
      expect(
        stub.requests.some(
          (r) => r.body.messages[1].content.split("\n").filter((l) => /^\d+\. /.test(l)).length >= 5,
        ),
      ).toBe(true);
    } finally {
      await stub.close();
    }
  });
});

describe("reclens recommend / promote / steer-eval", () => {
  it("recommend: boost alpha 0 keeps the list, a real boost changes it; unknown users are errors", async () => {
    const plain = await json<Rec>("recommend", "--run", run, "--user", "u0", "--n", "10", "--json");
    const zero = await json<Rec>(
      "recommend",
      "--run",
      run,
      "--user",
      "u0",
      "--n",
      "10",
      "--boost",
      "5:0",
      "--json",
    );
    expect(zero.items.map((i) => i.id)).toEqual(plain.items.map((i) => i.id));
    const lists: Rec[] = [];
    for (const j of [0, 1, 2, 4])
      lists.push(
        await json<Rec>(
          "recommend",
          "--run",
          run,
          "--user",
          "u0",
          "--n",
          "10",
          "--boost",
          `${j}:0.6`,
          "--suppress",
          "7",
          "--json",
        ),
      );
    const changed = lists.filter((l) => l.items.some((i) => i.entered));
    expect(changed.length).toBeGreaterThan(0);
    for (const l of changed) expect(l.left.length).toBe(l.items.filter((i) => i.entered).length);
    const text = await reclens("recommend", "--run", run, "--user", "u0", "--n", "5", "--boost", "0:0.9");
    expect(text).toMatch(/^user u0: top 5 steered by boost 0:0\.9/);
    await expect(reclens("recommend", "--run", run, "--user", "nobody")).rejects.toThrow(
      /user "nobody" not found \(\d+ users, e\.g\. "u0"/,
    );
    await expect(
      reclens("recommend", "--run", run, "--user", "u0", "--boost", "no such label:0.2"),
    ).rejects.toThrow(/no neuron labelled "no such label"/);
  });

  it("promote and steer-eval write sensible numbers", async () => {
    const p = await json<{
      baselineInTopN: number;
      points: { strength: number; usersInTopN: number; entered: number }[];
    }>("promote", "--run", run, "--item", "i5", "--neuron", "0", "--strength", "0,2", "--json");
    expect(p.points[0]).toMatchObject({ strength: 0, usersInTopN: p.baselineInTopN, entered: 0 });
    const rows = await json<{ mapping: string; alpha: number; recall: number; segmentShare: number }[]>(
      "steer-eval",
      "--run",
      run,
      "--alphas",
      "0,0.3",
      "--json",
    );
    expect(rows.map((r) => `${r.mapping}@${r.alpha}`)).toEqual([
      "unique@0",
      "unique@0.3",
      "representative@0",
      "representative@0.3",
    ]);
    for (const r of rows) expect(r.recall).toBeGreaterThan(0);
    expect(rows[1].segmentShare).toBeGreaterThan(rows[0].segmentShare);
    for (const f of ["tradeoff.json", "tradeoff.md", "tradeoff.svg"])
      expect(existsSync(join(run, "steer", f))).toBe(true);
  });
});

describe("one error family: the same bad input gets the same message on both edges", () => {
  /** `reclens <args>` through the CLI entry's runCli: exit code and what it printed to stderr. */
  async function cli(...args: string[]): Promise<{ code: number; message: string }> {
    const err = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const program = quietProgram();
    try {
      const code = await runCli(["node", "reclens", ...args], program);
      return { code, message: err.mock.calls.map((c) => String(c[0])).join("\n") };
    } finally {
      err.mockRestore();
      log.mockRestore();
    }
  }

  it("suppress factor 2, an unknown label and an unknown user: exit codes 2/2/3, statuses 400/400/404", async () => {
    const app = createServer(await loadWorkspace(run, { maxStatUsers: 50 }), { webRoot: null });
    try {
      const cases: {
        args: string[];
        url: string;
        code: number;
        status: number;
        field: string;
        text: RegExp;
      }[] = [
        {
          args: ["--user", "u0", "--suppress", "0:2"],
          url: "/api/users/u0/recommendations?suppress=0:2",
          code: 2,
          status: 400,
          field: "suppress",
          text: /^suppress "0:2": factor must be in \[0, 1\], got 2$/,
        },
        {
          args: ["--user", "u0", "--boost", "no such label:0.2"],
          url: `/api/users/u0/recommendations?boost=${encodeURIComponent("no such label:0.2")}`,
          code: 2,
          status: 400,
          field: "boost",
          text: /^boost "no such label:0\.2": no neuron labelled "no such label"/,
        },
        {
          args: ["--user", "nobody", "--boost", "0:0.2"],
          url: "/api/users/nobody/recommendations?boost=0:0.2",
          code: 3,
          status: 404,
          field: "id",
          text: /^user "nobody" not found \(\d+ users, e\.g\. "u0"/,
        },
      ];
      for (const c of cases) {
        const fromCli = await cli("recommend", "--run", run, ...c.args);
        const res = await app.inject({ method: "GET", url: c.url });
        const body = res.json<ErrorBody>();
        expect(fromCli.code).toBe(c.code);
        expect(res.statusCode).toBe(c.status);
        expect(body.field).toBe(c.field);
        expect(body.message).toMatch(c.text);
        expect(fromCli.message).toBe(`reclens: ${body.message}`);
      }
    } finally {
      await app.close();
    }
  });

  it("commander's own usage errors are bad input (exit code 2)", async () => {
    expect((await cli("recommend", "--run", run, "--user", "u0", "--n", "zero")).code).toBe(2);
  });
});
