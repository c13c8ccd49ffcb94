import { describe, expect, it } from "vitest";
import { textItemEmbedder } from "../embeddings/items.js";
import { LsaEmbedder } from "../embeddings/lsa.js";
import { buildIntents } from "./build.js";
import { PLANTED_TOPICS as TOPICS, plantedCatalogue } from "./testing.js";

describe("planted topics", () => {
  it("the built-in embeddings + TopK SAE recover one intent per planted topic with purity >= 0.9", async () => {
    const { ids, texts, topic } = plantedCatalogue(400, 11);
    const built = await buildIntents(ids, texts, textItemEmbedder(new LsaEmbedder({ dim: 16, seed: 1 })), {
      sae: { width: 20, k: 2, epochs: 40, lr: 5e-3, batchSize: 50, seed: 3 },
      label: { topItems: 20, seed: 2 },
      threshold: 0.8,
    });
    const lib = built.library;
    expect(lib.itemIds).toEqual(ids);
    expect(lib.vectors.rows).toBe(lib.labels.length);
    expect(lib.vectors.cols).toBe(16);
    const rowsOf = built.doc.intents;
    // Purity of an intent: share of its top-10 items from its majority topic.
    const bestPurity = new Array<number>(TOPICS.length).fill(0);
    for (const rec of rowsOf) {
      const top = rec.topItems.slice(0, 10).map((t) => topic[ids.indexOf(t.id)]);
      const counts = new Array<number>(TOPICS.length).fill(0);
      for (const t of top) counts[t]++;
      const major = counts.indexOf(Math.max(...counts));
      const purity = counts[major] / top.length;
      bestPurity[major] = Math.max(bestPurity[major], purity);
      // The label names words of the intent's topic.
      if (purity === 1) expect(rec.label).toContain(TOPICS[major]);
    }
    expect(bestPurity.every((p) => p >= 0.9)).toBe(true);
    // Per-item activations: an item's strongest intent is one of its own topic.
    let agree = 0;
    let withIntent = 0;
    const topicOfIntent = rowsOf.map((rec) => topic[ids.indexOf(rec.topItems[0].id)]);
    for (let i = 0; i < ids.length; i++) {
      const idx = lib.itemActivations.rowIndices(i);
      const val = lib.itemActivations.rowValues(i);
      if (idx.length === 0) continue;
      withIntent++;
      let best = 0;
      for (let p = 1; p < idx.length; p++) if (val[p] > val[best]) best = p;
      if (topicOfIntent[idx[best]] === topic[i]) agree++;
    }
    expect(withIntent).toBeGreaterThan(0.9 * ids.length);
    expect(agree / withIntent).toBeGreaterThan(0.95);
    for (const c of lib.confidence) expect(c).toBeGreaterThanOrEqual(0.8);
  }, 60_000);
});
