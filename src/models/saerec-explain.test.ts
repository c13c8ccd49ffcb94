import { describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { createModel } from "./index.js";
import { SaeRec } from "./saerec.js";
import { explainSaerec } from "./saerec-explain.js";
import { plantedTopics, sequencesCsr } from "./saerec-planted.js";
import { plantedPriors } from "./saerec-testing.js";

const data = plantedTopics({
  topics: 6,
  perTopic: 10,
  trainUsers: 80,
  testUsers: 5,
  length: 6,
  noise: 0.2,
  seed: 4,
});
const train = sequencesCsr(data.train, data.nItems);

async function fitted(over: Record<string, unknown>): Promise<SaeRec> {
  const m = createModel("saerec", {
    dim: 8,
    blocks: 1,
    heads: 2,
    maxLen: 8,
    dropout: 0.1,
    epochs: 3,
    batchSize: 16,
    lr: 0.01,
    personalK: 3,
    publicK: 2,
    ...over,
  }) as SaeRec;
  m.attachIntents(plantedPriors(data.nItems, 6, data.topicOf));
  await m.fit(train, { rng: new Rng(2), sequences: data.train });
  return m;
}

describe("explainSaerec", () => {
  for (const fusion of ["add", "concat", "gate"] as const) {
    it(`${fusion}: sequence + intent + bias parts sum to each item's score, which is the model's score`, async () => {
      const m = await fitted({ fusion });
      const seq = data.test[0];
      const ex = explainSaerec(m, seq, { n: 5 });
      const z = m.encodeUsers({ rows: sequencesCsr([seq], data.nItems), sequences: [seq] });
      ex.z.forEach((v, j) => expect(v).toBeCloseTo(z.get(0, j), 4));
      const scores = m.scoreUsers({ rows: sequencesCsr([seq], data.nItems), sequences: [seq] });
      expect(ex.items).toHaveLength(5);
      for (const item of ex.items) {
        const sum = item.sequence + item.bias + item.intents.reduce((s, p) => s + p.score, 0);
        expect(sum).toBeCloseTo(item.score, 4);
        expect(item.score).toBeCloseTo(scores.get(0, item.item), 4);
        expect(seq).not.toContain(item.item);
      }
      // Ranked by score; personal then public intents, each branch's attention sums to 1.
      for (let r = 1; r < 5; r++) expect(ex.items[r - 1].score).toBeGreaterThanOrEqual(ex.items[r].score);
      for (const b of ["personal", "public"] as const) {
        const att = ex.intents.filter((x) => x.branch === b).reduce((s, x) => s + x.attention, 0);
        expect(att).toBeCloseTo(1, 5);
      }
      expect(ex.intents.filter((x) => x.branch === "public")).toHaveLength(2);
    });
  }

  it("personal intents are the user's topics; switching the top one off removes it and re-ranks", async () => {
    const m = await fitted({ fusion: "add" });
    // A sequence of topic-2 items plus one topic-4 item: topic 2 is the strongest personal intent.
    const seq = Int32Array.of(20, 21, 45, 22, 23);
    const ex = explainSaerec(m, seq, { n: 10 });
    const personal = ex.intents.filter((x) => x.branch === "personal").map((x) => x.label);
    expect(personal.sort()).toEqual(["topic 2", "topic 4"]);
    const off = explainSaerec(m, seq, { n: 10, off: [2] });
    expect(off.off).toEqual([2]);
    expect(off.intents.map((x) => x.intent)).not.toContain(2);
    expect(off.intents.filter((x) => x.branch === "personal").map((x) => x.label)).toEqual(["topic 4"]);
    expect(off.items.map((x) => x.item)).not.toEqual(ex.items.map((x) => x.item));
    // Explaining given items keeps their order, and bad input is named.
    expect(explainSaerec(m, seq, { items: [3, 1] }).items.map((x) => x.item)).toEqual([3, 1]);
    expect(() => explainSaerec(m, seq, { off: [6] })).toThrow("saerec.explain: intent 6 is outside [0, 6)");
    expect(() => explainSaerec(m, Int32Array.of(99))).toThrow(
      "saerec.explain: item 99 of the sequence is outside [0, 60)",
    );
  });

  it("a model without intent branches cannot be explained by intents", async () => {
    const m = createModel("saerec", { dim: 8, blocks: 1, maxLen: 8, epochs: 1, intents: "none" }) as SaeRec;
    await m.fit(train, { rng: new Rng(1), sequences: data.train });
    expect(() => explainSaerec(m, data.test[0])).toThrow(
      'saerec: this model runs no intent branch (intents is "none")',
    );
  });
});
