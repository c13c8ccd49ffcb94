import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadWorkspace } from "../serve/run-loader.js";
import { demoSummaryLines, runDemo } from "./demo.js";

const dir = mkdtempSync(join(tmpdir(), "reclens-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("runDemo", () => {
  it("trains ELSA + TopK SAE on planted data, labels neurons and leaves a servable run", async () => {
    const lines: string[] = [];
    const s = await runDemo({
      out: join(dir, "run"),
      synth: { users: 400, items: 150, concepts: 5 },
      seed: 3,
      dim: 24,
      modelEpochs: 10,
      sae: { architecture: "topk", k: 4, expansion: 4, loss: "cosine", epochs: 10 },
      log: (l) => lines.push(l),
    });
    expect(s.dataset.users).toBe(400);
    expect(s.dataset.items).toBe(150);
    // Planted tastes are easy to recover: far above what popularity ranking reaches on this generator (~0.17).
    expect(s.recall20).toBeGreaterThan(0.3);
    expect(s.recallKept).toBeGreaterThan(0.85);
    expect(s.l0).toBeCloseTo(4, 5);
    expect(s.labelledNeurons / s.liveNeurons).toBeGreaterThan(0.6);
    expect(lines.some((l) => l.startsWith("labels"))).toBe(true);
    for (const f of [
      "manifest.json",
      "dataset.rlds",
      "model",
      "sae/cfg.json",
      "sae/sae_weights.safetensors",
      "concepts/labels.json",
    ])
      expect(existsSync(join(s.runDir, f)), f).toBe(true);
    expect(demoSummaryLines(s).join("\n")).toMatch(/quality kept \(Recall_trunc@20\)\s+\d+\.\d%/);
    const ws = await loadWorkspace(s.runDir);
    expect(ws.sae.dSae).toBe(24 * 4);
  });
});
