import { afterEach, describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { LlmClient, resolveLlmConfig } from "./llm.js";
import { llmSequenceConcept, sequenceLabelMessages, windowText } from "./sequence-llm.js";
import { type Stub, startStub } from "./test-utils/llm-stub.js";

const stubs: Stub[] = [];
afterEach(async () => {
  for (const s of stubs.splice(0)) await s.close();
});

const titles = ["apple pie", "apple tart", "apple cake", "car red", "car blue", "car green"];
const titleOf = (i: number): string => titles[i];

describe("LLM concepts of sequences", () => {
  it("a window as text: the last items up to the firing one, which is bracketed", () => {
    const seq = Int32Array.of(3, 4, 0, 1, 2);
    expect(windowText(seq, 2, titleOf)).toBe("car red > car blue > [apple pie]");
    expect(windowText(seq, 4, titleOf, 2)).toBe("... > apple tart > [apple cake]");
    expect(() => windowText(seq, 5, titleOf)).toThrow(/position 5 out of range \[0, 5\)/);
    const m = sequenceLabelMessages(["a > [b]"]);
    expect(m[1].content).toContain("1. a > [b]");
  });

  it("the LLM writes the concept from the building part and judges held-out vs random windows", async () => {
    // the stub names the concept "apple" and then picks the listed windows that end in an apple
    const s = await startStub((req) => {
      const text = req.body.messages[1].content;
      if (!text.includes("Which of these items match the feature?"))
        return { content: '{"label": "apple", "description": "apple desserts."}' };
      const picks = [...text.matchAll(/^(\d+)\. (.*)$/gm)]
        .filter((m) => /\[apple/.test(m[2]))
        .map((m) => Number(m[1]));
      return { content: JSON.stringify({ matches: picks }) };
    });
    stubs.push(s);
    const client = new LlmClient(resolveLlmConfig({ baseUrl: s.url, model: "m", maxRetries: 0 }, {}));
    const seqs = [0, 1, 2, 3, 4, 5].map((i) => Int32Array.of(i));
    const w = (q: number) => ({ sequence: q, position: 0 });
    const r = await llmSequenceConcept(
      client,
      seqs,
      { build: [w(0), w(2)], heldOut: [w(1), w(3)], negatives: [w(4), w(5)] },
      titleOf,
      new Rng(1),
    );
    expect(r.label.label).toBe("apple");
    // the building windows went into the labelling prompt, the held-out ones did not
    expect(s.requests[0].body.messages[1].content).toContain("[apple pie]");
    expect(s.requests[0].body.messages[1].content).not.toContain("apple tart");
    // held out: apple tart found, car red (a stray top window) missed, car blue/green rejected
    expect(r.confidence).toBeCloseTo(3 / 4, 12);
    expect(r.detection.precision).toBe(1);
    expect(r.detection.recall).toBe(0.5);
  });
});
