import { describe, expect, it } from "vitest";
import { emptyLabels, setLabel, type LabelsDoc } from "../concepts/labels.js";
import { BadInput } from "../errors.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { identitySae } from "../nested/nested-testing.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { resolveSteering, steeringOps, steerUser, type Steering } from "./steering.js";

function labelled(labels: Record<number, string>, neurons = 10): LabelsDoc {
  let doc = emptyLabels(neurons);
  for (const [n, l] of Object.entries(labels)) doc = setLabel(doc, Number(n), l);
  return doc;
}

const DOC = labelled({ 1: "Noir", 2: "Space Opera", 3: "noir thriller", 5: "Heist", 6: "heist" });

/** The BadInput a call throws (fails the test when it throws something else or nothing). */
function badInput(f: () => unknown): BadInput {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(BadInput);
    return err as BadInput;
  }
  throw new Error("expected a BadInput");
}

describe("resolveSteering", () => {
  it("resolves labels and ids, keeps values and defaults the suppress factor to 0", () => {
    expect(resolveSteering(DOC, { boost: ["noir:0.2", "2:0.3"], suppress: ["thriller", "6:0.5"] })).toEqual({
      boost: [
        { neuron: 1, alpha: 0.2 },
        { neuron: 2, alpha: 0.3 },
      ],
      suppress: [
        { neuron: 3, factor: 0 },
        { neuron: 6, factor: 0.5 },
      ],
    });
  });

  it("rejects missing alphas, values outside [0, 1] and unknown labels, naming the field and the spec", () => {
    const e1 = badInput(() => resolveSteering(DOC, { boost: ["noir"], suppress: [] }));
    expect(e1.message).toBe('boost "noir": expected <label or neuron id>:<alpha>, e.g. "noir:0.3"');
    expect(e1.field).toBe("boost");
    expect(badInput(() => resolveSteering(DOC, { boost: ["noir:1.5"], suppress: [] })).message).toBe(
      'boost "noir:1.5": alpha must be in [0, 1], got 1.5',
    );
    const e2 = badInput(() => resolveSteering(DOC, { boost: [], suppress: ["noir:2"] }));
    expect(e2.message).toBe('suppress "noir:2": factor must be in [0, 1], got 2');
    expect(e2.field).toBe("suppress");
    expect(badInput(() => resolveSteering(DOC, { boost: [], suppress: ["noir:-1"] })).message).toBe(
      'suppress "noir:-1": factor must be in [0, 1], got -1',
    );
    expect(badInput(() => resolveSteering(DOC, { boost: [], suppress: ["western"] })).message).toMatch(
      /^suppress "western": no neuron labelled "western" and no concept of that name \(close matches: /,
    );
    expect(badInput(() => resolveSteering(DOC, { boost: ["10:0.1"], suppress: [] })).message).toBe(
      'boost "10:0.1": neuron 10 out of range [0, 10)',
    );
  });
});

describe("steeringOps", () => {
  it("suppresses first (one op per factor, in order of first use), then boosts with every knob", () => {
    const s: Steering = {
      boost: [{ neuron: 2, alpha: 0.5 }],
      suppress: [
        { neuron: 5, factor: 0 },
        { neuron: 6, factor: 0.5 },
        { neuron: 3, factor: 0 },
      ],
    };
    expect(steeringOps(s)).toEqual([
      { kind: "suppress", neurons: [5, 3], factor: 0 },
      { kind: "suppress", neurons: [6], factor: 0.5 },
      { kind: "boost", knobs: [{ neuron: 2, alpha: 0.5 }] },
    ]);
    expect(steeringOps({ boost: [], suppress: [] })).toEqual([]);
  });
});

/**
 * A 2-wide recommender over 3 items whose only user is encoded as z = [2, 1] and whose item vectors
 * are e0, e1 and e0 + e1; with the identity SAE, scores are z' . [e0, e1, e0 + e1].
 */
function tinyModel(): Recommender {
  const w = Matrix.fromRows([
    [1, 0, 1],
    [0, 1, 1],
  ]);
  const decode = (z: Matrix): Matrix => {
    const out = new Matrix(z.rows, 3);
    for (let r = 0; r < z.rows; r++)
      for (let i = 0; i < 3; i++)
        out.data[r * 3 + i] = z.data[r * 2] * w.data[i] + z.data[r * 2 + 1] * w.data[3 + i];
    return out;
  };
  const encodeUsers = (b: UserBatch): Matrix => {
    const z = new Matrix(b.rows.rows, 2);
    for (let r = 0; r < z.rows; r++) z.data.set([2, 1], r * 2);
    return z;
  };
  return {
    name: "tiny",
    config: {},
    nItems: 3,
    dim: 2,
    encodeUsers,
    decode,
    scoreUsers: (b: UserBatch) => decode(encodeUsers(b)),
  } as unknown as Recommender;
}

describe("steerUser", () => {
  const batch: UserBatch = { rows: Csr.fromTriplets(1, 3, [], [], []) };

  it("applies suppression then the boost: hand-computed scores", () => {
    // z = [2, 1]; suppress latent 0 by 0.5 -> [1, 1]; boost latent 1 by alpha 0.5 keeps the sum
    // S = 2: 0.5 * [1, 1] + 0.5 * 2 * e1 = [0.5, 1.5]; scores [0.5, 1.5, 2.0].
    const r = steerUser(tinyModel(), identitySae(2), batch, 3, {
      boost: [{ neuron: 1, alpha: 0.5 }],
      suppress: [{ neuron: 0, factor: 0.5 }],
    });
    expect(Array.from(r.result.items)).toEqual([2, 1, 0]);
    expect(Array.from(r.result.scores)).toEqual([2, 1.5, 0.5]);
    // Unsteered: [2, 1] -> scores [2, 1, 3].
    expect(Array.from(r.result.unsteered.items)).toEqual([2, 0, 1]);
    expect(Array.from(r.result.unsteered.scores)).toEqual([3, 2, 1]);
    expect(r.result.steeredNeurons).toEqual([
      { neuron: 1, activation: 1.5 },
      { neuron: 0, activation: 0.5 },
    ]);
  });

  it("without steering the list is the model's own", () => {
    const r = steerUser(tinyModel(), identitySae(2), batch, 2, { boost: [], suppress: [] });
    expect(r.ops).toEqual([]);
    expect(Array.from(r.result.items)).toEqual([2, 0]);
    expect(Array.from(r.result.scores)).toEqual([3, 2]);
  });

  it("rejects repeats, a neuron both boosted and suppressed, alphas over 1 and a bad n", () => {
    const run =
      (s: Steering, n = 3) =>
      () =>
        steerUser(tinyModel(), identitySae(2), batch, n, s);
    expect(badInput(run({ boost: [], suppress: [] }, 0)).message).toBe("n must be a positive integer, got 0");
    expect(
      badInput(
        run({
          boost: [
            { neuron: 0, alpha: 0.6 },
            { neuron: 1, alpha: 0.5 },
          ],
          suppress: [],
        }),
      ).message,
    ).toBe("boost: the alphas sum to 1.1, more than 1");
    expect(
      badInput(
        run({
          boost: [
            { neuron: 0, alpha: 0.1 },
            { neuron: 0, alpha: 0.1 },
          ],
          suppress: [],
        }),
      ).message,
    ).toBe("boost: neuron 0 appears twice");
    const both = badInput(run({ boost: [{ neuron: 1, alpha: 0.2 }], suppress: [{ neuron: 1, factor: 0 }] }));
    expect(both.message).toBe("suppress: neuron 1 is both boosted and suppressed");
    expect(both.field).toBe("suppress");
    expect(badInput(run({ boost: [{ neuron: 2, alpha: 0.2 }], suppress: [] })).message).toBe(
      "boost: neuron 2 out of range [0, 2)",
    );
  });
});
