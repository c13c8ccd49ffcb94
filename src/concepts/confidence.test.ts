import { afterEach, describe, expect, it } from "vitest";
import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { detectionConfidence, detectionScore, parseMatches, sampleNonActivating } from "./confidence.js";
import { LlmClient, MalformedReplyError, resolveLlmConfig } from "./llm.js";
import { describeItems } from "./llm-label.js";
import { llmLabelNeurons } from "./llm-labeller.js";
import { type Stub, startStub } from "./test-utils/llm-stub.js";

const stubs: Stub[] = [];
afterEach(async () => {
  for (const s of stubs.splice(0)) await s.close();
});

/** Items listed as "N. title [...]" in the last user message. */
function listed(content: string): { n: number; text: string }[] {
  return [...content.matchAll(/^(\d+)\. (.*)$/gm)].map((m) => ({ n: Number(m[1]), text: m[2] }));
}

describe("detection score", () => {
  it("hand values", () => {
    const truth = [true, false, true, false, true, false];
    // pick 0, 1, 2: TP 2, FP 1, FN 1, TN 2 -> P 2/3, R 2/3, F1 2/3, accuracy 4/6
    const s = detectionScore(truth, new Set([0, 1, 2]));
    expect(s.precision).toBeCloseTo(2 / 3, 12);
    expect(s.recall).toBeCloseTo(2 / 3, 12);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
    expect(s.accuracy).toBeCloseTo(4 / 6, 12);
    expect(detectionScore(truth, new Set())).toEqual({ precision: 0, recall: 0, f1: 0, accuracy: 0.5 });
    expect(detectionScore(truth, new Set([0, 2, 4])).f1).toBe(1);
    expect(() => detectionScore(truth, new Set([6]))).toThrow(/position 6 out of range/);
  });

  it("strict match parsing", () => {
    expect(parseMatches('{"matches": [3, 1]}', 4)).toEqual([2, 0]);
    expect(() => parseMatches('{"matches": [5]}', 4)).toThrow(MalformedReplyError);
    expect(() => parseMatches('{"matches": [1, 1]}', 4)).toThrow(/listed twice/);
    expect(() => parseMatches('{"matches": "1,2"}', 4)).toThrow(MalformedReplyError);
  });

  it("samples only non-activating items", () => {
    const z = Matrix.fromRows([[1], [0], [0], [2], [0]]);
    const got = Array.from(sampleNonActivating(z, 0, 10, new Rng(1), new Set([4]))).sort();
    expect(got).toEqual([1, 2]);
  });
});

describe("detection against a stub model", () => {
  const positives = ["Noir A", "Noir B", "Noir C"].map((title) => ({ title }));
  const negatives = ["Comedy A", "Western B", "Musical C"].map((title) => ({ title }));

  it("a model that recognises the concept scores F1 1; one that picks everything 2/3", async () => {
    const smart = await startStub((req) => ({
      content: JSON.stringify({
        matches: listed(req.body.messages[1].content)
          .filter((x) => x.text.startsWith("Noir"))
          .map((x) => x.n),
      }),
    }));
    const greedy = await startStub((req) => ({
      content: JSON.stringify({ matches: listed(req.body.messages[1].content).map((x) => x.n) }),
    }));
    stubs.push(smart, greedy);
    const cfg = (url: string) =>
      resolveLlmConfig({ baseUrl: url, model: "m", backoffBaseMs: 1, backoffMaxMs: 2 }, {});
    const r = await detectionConfidence(new LlmClient(cfg(smart.url)), {
      label: "film noir",
      positives,
      negatives,
      rng: new Rng(5),
    });
    expect(r.f1).toBe(1);
    expect(r.accuracy).toBe(1);
    expect(r.truth.filter(Boolean)).toHaveLength(3);
    expect(smart.requests[0].body.messages[1].content).toContain('Feature: "film noir"');
    // picking all 6: P = 3/6, R = 1 -> F1 = 2/3, accuracy 1/2
    const g = await detectionConfidence(new LlmClient(cfg(greedy.url)), {
      label: "film noir",
      positives,
      negatives,
      rng: new Rng(5),
    });
    expect(g.f1).toBeCloseTo(2 / 3, 12);
    expect(g.accuracy).toBe(0.5);
  });

  it("llmLabelNeurons: labels and confidence per live neuron, failures reported, dead skipped", async () => {
    // 12 items: items 0-5 are "Noir", 6-11 "Western". Neuron 0 fires on noir, 1 on westerns, 2 is dead.
    const z = new Matrix(12, 3);
    for (let i = 0; i < 12; i++) z.set(i, i < 6 ? 0 : 1, 1 - i / 24);
    const genre: ItemConcepts = {
      kind: "genre",
      names: ["Noir", "Western"],
      matrix: Csr.fromTriplets(
        12,
        2,
        Array.from({ length: 12 }, (_, i) => i),
        Array.from({ length: 12 }, (_, i) => (i < 6 ? 0 : 1)),
      ),
    };
    const titles = Array.from({ length: 12 }, (_, i) => `Film ${i}`);
    const s = await startStub((req) => {
      const text = req.body.messages[1].content;
      if (text.startsWith("Feature:")) {
        const genreName = /Feature: "(\w+)/.exec(text)?.[1] ?? "";
        return {
          content: JSON.stringify({
            matches: listed(text)
              .filter((x) => x.text.includes(`genre: ${genreName}`))
              .map((x) => x.n),
          }),
        };
      }
      const first = listed(text)[0].text;
      if (first.includes("Western")) return { status: 400, raw: "bad request" };
      return { content: JSON.stringify({ label: "Noir films", description: "Dark crime." }) };
    });
    stubs.push(s);
    const client = new LlmClient(resolveLlmConfig({ baseUrl: s.url, model: "m", concurrency: 2 }, {}));
    const out = await llmLabelNeurons(client, z, [0, 1, 2], {
      topItems: 3,
      contrastItems: 2,
      detectionPositives: 3,
      detectionNegatives: 3,
      titles,
      families: [genre],
    });
    expect([...out.entries.keys()]).toEqual([0]);
    const e = out.entries.get(0);
    expect(e).toMatchObject({
      label: "Noir films",
      source: "llm",
      description: "Dark crime.",
      scores: { confidence: 1, confidenceAccuracy: 1 },
    });
    expect(out.failures.get(1)).toMatch(/HTTP 400: bad request/);
    expect(out.failures.has(2)).toBe(false);
    // detection used held-out top items (ranks 4-6), not the three shown in the labelling prompt
    const det = s.requests.find((r) => r.body.messages[1].content.startsWith('Feature: "Noir'));
    const shown = listed(det?.body.messages[1].content ?? "").map((x) => x.text);
    for (const t of ["Film 3 ", "Film 4 ", "Film 5 "]) expect(shown.some((x) => x.startsWith(t))).toBe(true);
    expect(shown.some((x) => x.startsWith("Film 0 "))).toBe(false);
    expect(describeItems([7], titles, [genre])).toEqual([{ title: "Film 7", metadata: "genre: Western" }]);
  });
});
