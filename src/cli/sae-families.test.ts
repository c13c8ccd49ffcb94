import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TINY_MODELS, writeSequenceCsv } from "../pipeline/sequence-fixture.js";
import { sweepGridOf } from "./sae-sweep.js";
import { buildProgram } from "./program.js";

/**
 * RecSAE probing from the command line on every model family: `reclens train --split
 * leave-one-out`, `sae train`, `sae eval --json` and `sae sweep` on a tiny generated sequence CSV.
 */
const root = mkdtempSync(join(tmpdir(), "reclens-sae-families-"));
const csv = join(root, "seq.csv");
const FAMILIES = ["sasrec", "gru4rec", "lightgcn", "ncf", "mf", "elsa", "multvae"] as const;
const SOURCE: Record<string, string> = {
  sasrec: "positions",
  gru4rec: "positions",
  lightgcn: "users+items",
  ncf: "users+items",
  mf: "users+items",
  elsa: "users",
  multvae: "users",
};

function quiet(cmd: Command): void {
  cmd.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  cmd.commands.forEach(quiet);
}

/** Runs `reclens <args>` in-process and returns what it printed with console.log. */
async function reclens(...args: string[]): Promise<string> {
  const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const program = buildProgram();
  quiet(program);
  try {
    await program.parseAsync(args, { from: "user" });
    return log.mock.calls.map((c) => String(c[0])).join("\n");
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

const sets = (cfg: Readonly<Record<string, unknown>>): string[] =>
  Object.entries(cfg).flatMap(([k, v]) => ["--set", `${k}=${JSON.stringify(v)}`]);

const SAE_FLAGS = ["--k", "2", "--expansion", "2", "--epochs", "2", "--batch-size", "64", "--quiet"];

beforeAll(async () => {
  writeSequenceCsv(csv, { users: 36, items: 20, minLen: 4, maxLen: 10, seed: 11 });
  for (const m of FAMILIES) {
    const out = join(root, m);
    await reclens(
      "train",
      m,
      "--dataset",
      `csv:${csv}`,
      "--split",
      "leave-one-out",
      "--out",
      out,
      "--quiet",
      ...sets(TINY_MODELS[m]),
    );
    await reclens("sae", "train", "--run", out, ...SAE_FLAGS);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("reclens sae on every model family (leave-one-out)", () => {
  for (const m of FAMILIES) {
    it(`${m}: sae eval --json prints the HR@10 keys, equal to what sae train recorded`, async () => {
      const run = join(root, m);
      const ev = JSON.parse(await reclens("sae", "eval", "--run", run, "--json")) as {
        metrics: Record<string, number>;
      };
      const keys = [
        "test/kept/hr@10",
        "test/kept/ndcg@10",
        "test/rbo",
        "test/kendallTau",
        "test/fve",
        "test/l0",
        "train/deadFraction",
      ];
      const manifest = JSON.parse(readFileSync(join(run, "sae", "manifest.json"), "utf8")) as {
        metrics: Record<string, number>;
        config: { data: { rows: { source: string } } };
      };
      for (const key of keys) {
        expect(Number.isFinite(ev.metrics[key]), key).toBe(true);
        expect(ev.metrics[key], key).toBe(manifest.metrics[key]);
      }
      expect(ev.metrics["test/l0"]).toBe(2);
      expect(ev.metrics["test/rbo"]).toBeGreaterThan(0);
      expect(ev.metrics["test/rbo"]).toBeLessThanOrEqual(1);
      expect(ev.metrics["test/users"]).toBe(36);
      expect(ev.metrics["test/kept/recall_trunc@20"]).toBeUndefined();
      expect(manifest.config.data.rows.source).toBe(SOURCE[m]);
      // the run's manifest records the SAE's metrics under "sae/"
      const runManifest = JSON.parse(readFileSync(join(run, "manifest.json"), "utf8")) as {
        metrics: Record<string, number>;
      };
      expect(runManifest.metrics["sae/test/kept/hr@10"]).toBe(ev.metrics["test/kept/hr@10"]);
      const table = await reclens("sae", "eval", "--run", run);
      expect(table).toContain("HR@10 kept");
    });
  }

  it("sae sweep --preset recsae on a sequential run: HR@10 kept per k, table and plot", async () => {
    const out = join(root, "sweep");
    const points = JSON.parse(
      await reclens(
        "sae",
        "sweep",
        "--run",
        join(root, "sasrec"),
        "--preset",
        "recsae",
        "--k",
        "4,8",
        "--epochs",
        "2",
        "--out",
        out,
        "--json",
      ),
    ) as {
      name: string;
      k: number;
      dSae: number;
      l0: number;
      hitMetric: string;
      recallKept: number | null;
    }[];
    // RecSAE width 16x of SASRec's d = 8
    expect(points.map((p) => [p.name, p.k, p.dSae, p.l0])).toEqual([
      ["topk-k4-x16-l2", 4, 128, 4],
      ["topk-k8-x16-l2", 8, 128, 8],
    ]);
    for (const p of points) expect(p.hitMetric).toBe("hr");
    const md = readFileSync(join(out, "sweep.md"), "utf8");
    expect(md).toContain("HR@10 kept");
    expect(readFileSync(join(out, "sweep.svg"), "utf8")).toContain("HR@10 kept");
    expect(existsSync(join(out, "topk-k8-x16-l2", "manifest.json"))).toBe(true);
  });

  it("sweep grid: the recsae preset is k 4,8,16,32 at width 16x; explicit lists override it", () => {
    expect(sweepGridOf({ preset: "recsae" })).toEqual({
      archs: ["topk"],
      ks: [4, 8, 16, 32],
      expansions: [16],
      losses: ["l2"],
    });
    expect(sweepGridOf({})).toEqual({ archs: ["topk"], ks: [8, 16, 32], expansions: [4, 8], losses: ["l2"] });
    expect(sweepGridOf({ preset: "recsae", expansion: [8] }).expansions).toEqual([8]);
  });
});
