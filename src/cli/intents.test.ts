import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { readIntentLibrary } from "../intents/library.js";
import { PLANTED_TOPICS, plantedCatalogue } from "../intents/testing.js";
import { encodeNpyMatrix } from "../store/npy.js";
import { Matrix } from "../tensor/matrix.js";
import { buildProgram, runCli } from "./program.js";

const dir = mkdtempSync(join(tmpdir(), "reclens-intents-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An LC-Rec folder (0-based item ids) whose item titles carry the planted topics. */
function lcrecFixture(): { path: string; topic: number[] } {
  const { texts, topic } = plantedCatalogue(150, 9);
  const items: Record<string, { title: string; description: string; brand: string; categories: string }> = {};
  texts.forEach((t, i) => (items[String(i)] = { title: t, description: "", brand: "", categories: "" }));
  const inter: Record<string, number[]> = {};
  for (let u = 0; u < 75; u++) inter[String(u)] = [0, 1].map((j) => (2 * u + j) % 150);
  const path = join(dir, "Planted");
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, "Planted.inter.json"), JSON.stringify(inter));
  writeFileSync(join(path, "Planted.item.json"), JSON.stringify(items));
  return { path, topic };
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const err = vi.spyOn(console, "error").mockImplementation(() => undefined);
  const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
  try {
    const code = await runCli(["node", "reclens", ...args], buildProgram());
    return {
      code,
      out: log.mock.calls.map((c) => String(c[0])).join("\n"),
      err: err.mock.calls.map((c) => String(c[0])).join("\n"),
    };
  } finally {
    err.mockRestore();
    log.mockRestore();
  }
}

const SAE = [
  "--width",
  "20",
  "--k",
  "2",
  "--epochs",
  "40",
  "--lr",
  "0.005",
  "--batch-size",
  "30",
  "--top-items",
  "20",
];

describe("reclens intents", () => {
  const { path, topic } = lcrecFixture();

  it("build (built-in embeddings) writes a library that show lists, most confident first", async () => {
    const out = join(dir, "lib");
    const b = await cli(
      "intents",
      "build",
      "--dataset",
      path,
      "--out",
      out,
      "--dim",
      "16",
      "--no-cache",
      ...SAE,
      "--json",
    );
    expect(b.err).toBe("");
    expect(b.code).toBe(0);
    const summary = JSON.parse(b.out) as { items: number; kept: number; dim: number; latents: number };
    expect(summary.items).toBe(150);
    expect(summary.dim).toBe(16);
    expect(summary.latents).toBe(20);
    const lib = readIntentLibrary(out);
    expect(lib.labels.length).toBe(summary.kept);
    expect(lib.itemIds).toEqual(Array.from({ length: 150 }, (_, i) => String(i)));
    // every planted topic has an intent whose label names it
    for (const t of PLANTED_TOPICS) expect(lib.labels.some((l) => l.includes(t))).toBe(true);
    const s = await cli("intents", "show", out, "--json", "--top", "2");
    expect(s.code).toBe(0);
    const shown = JSON.parse(s.out) as {
      intents: { confidence: number; topItems: { id: string }[] }[];
      total: number;
    };
    expect(shown.total).toBe(summary.kept);
    expect(shown.intents[0].topItems.length).toBe(2);
    for (let i = 1; i < shown.intents.length; i++)
      expect(shown.intents[i].confidence).toBeLessThanOrEqual(shown.intents[i - 1].confidence);
    const text = await cli("intents", "show", out, "--limit", "3");
    expect(text.out.split("\n").length).toBe(5); // heading, table header, 3 intents
    // an existing library is not replaced without --force (exit 4, conflict)
    const again = await cli(
      "intents",
      "build",
      "--dataset",
      path,
      "--out",
      out,
      "--no-cache",
      ...SAE,
      "--json",
    );
    expect(again.code).toBe(4);
    expect(again.err).toMatch(/already exists: pass --force/);
  }, 60_000);

  it("build --provider file reads precomputed embeddings keyed by item id", async () => {
    // one-hot topic embeddings (+ a small item-specific part), rows in reverse id order
    const n = 150;
    const m = new Matrix(n, 8);
    const ids: string[] = [];
    for (let r = 0; r < n; r++) {
      const i = n - 1 - r;
      ids.push(String(i));
      m.set(r, topic[i], 1);
      m.set(r, 5 + (i % 3), 0.1);
    }
    writeFileSync(join(dir, "emb.npy"), encodeNpyMatrix(m));
    writeFileSync(join(dir, "ids.txt"), ids.join("\n"));
    const out = join(dir, "lib-file");
    const args = ["intents", "build", "--dataset", path, "--out", out, "--no-cache", "--provider", "file"];
    const noIds = await cli(...args, "--embeddings", join(dir, "emb.npy"), ...SAE, "--json");
    expect(noIds.code).toBe(2);
    expect(noIds.err).toMatch(/--embeddings-ids/);
    const r = await cli(
      ...args,
      "--embeddings",
      join(dir, "emb.npy"),
      "--embeddings-ids",
      join(dir, "ids.txt"),
      ...SAE,
      "--json",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lib = readIntentLibrary(out);
    expect(lib.vectors.cols).toBe(8);
    expect(lib.labels.length).toBeGreaterThan(0);
    writeFileSync(join(dir, "ids-short.txt"), ids.slice(1).join("\n"));
    const bad = await cli(
      ...args,
      "--force",
      "--embeddings",
      join(dir, "emb.npy"),
      "--embeddings-ids",
      join(dir, "ids-short.txt"),
      ...SAE,
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/149 ids for 150 embedding rows/);
  }, 60_000);

  it("build --provider openai without an endpoint is a bad input naming the flag", async () => {
    const r = await cli(
      "intents",
      "build",
      "--dataset",
      path,
      "--out",
      join(dir, "x"),
      "--no-cache",
      "--provider",
      "openai",
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--embed-url/);
  });
});
