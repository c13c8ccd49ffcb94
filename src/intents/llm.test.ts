import { afterEach, describe, expect, it } from "vitest";
import { LlmClient, resolveLlmConfig } from "../concepts/llm.js";
import { type Stub, startStub } from "../concepts/test-utils/llm-stub.js";
import { textItemEmbedder } from "../embeddings/items.js";
import { LsaEmbedder } from "../embeddings/lsa.js";
import { buildIntents } from "./build.js";
import { plantedCatalogue } from "./testing.js";

let stub: Stub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe("LLM labels of intents", () => {
  it("labels each latent with the LLM and keeps intents by the LLM's detection F1", async () => {
    // The stub labels every latent "topic" and, in detection, picks every shown item:
    // 5 positives + 5 negatives -> precision 0.5, recall 1, F1 = 2/3.
    stub = await startStub((req) => {
      const prompt = req.body.messages[req.body.messages.length - 1].content;
      if (prompt.includes("Which of these items match")) {
        const n = prompt.split("\n").filter((l) => /^\d+\. /.test(l)).length;
        return { content: JSON.stringify({ matches: Array.from({ length: n }, (_, i) => i + 1) }) };
      }
      return { content: JSON.stringify({ label: "topic", description: "a planted topic" }) };
    });
    const client = new LlmClient(resolveLlmConfig({ baseUrl: stub.url, model: "stub", maxRetries: 0 }, {}));
    const { ids, texts } = plantedCatalogue(150, 4);
    const run = (threshold: number) =>
      buildIntents(ids, texts, textItemEmbedder(new LsaEmbedder({ dim: 12 })), {
        sae: { width: 10, k: 2, epochs: 20, lr: 5e-3, batchSize: 30 },
        label: { topItems: 20 },
        threshold,
        llm: { client },
      });
    const kept = await run(0.6);
    expect(kept.library.labels.length).toBeGreaterThan(0);
    expect(kept.library.labels.every((l) => l === "topic")).toBe(true);
    for (const c of kept.library.llmConfidence ?? []) expect(c).toBeCloseTo(2 / 3, 6);
    expect(kept.doc.intents[0].tfidf.label).not.toBe("topic"); // the built-in label is kept beside it
    const none = await run(0.7);
    expect(none.library.labels.length).toBe(0);
    expect(none.doc.selection).toMatchObject({ confidenceFrom: "llm", kept: 0 });
  }, 60_000);
});
