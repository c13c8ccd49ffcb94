import { describe, expect, it } from "vitest";
import { emptyLabels, setLabel } from "../concepts/labels.js";
import { BadInput } from "../errors.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { identitySae } from "../nested/nested-testing.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { checkSteering, resolveSteering, steeringOps, steerUser, type Steering } from "./steering.js";

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

/**
 * A 3-wide recommender over 4 items whose only user is encoded as z = [2, 1, 0] and whose item
 * vectors are e0, e1, e0 + e1 and e2; with the identity SAE, scores are z' . [e0, e1, e0 + e1, e2].
 */
function tinyModel(): Recommender {
  const items = [
    [1, 0, 0],
    [0, 1, 0],
    [1, 1, 0],
    [0, 0, 1],
  ];
  const decode = (z: Matrix): Matrix => {
    const out = new Matrix(z.rows, items.length);
    for (let r = 0; r < z.rows; r++)
      items.forEach((v, i) => {
        out.data[r * items.length + i] =
          v[0] * z.data[r * 3] + v[1] * z.data[r * 3 + 1] + v[2] * z.data[r * 3 + 2];
      });
    return out;
  };
  const encodeUsers = (b: UserBatch): Matrix => {
    const z = new Matrix(b.rows.rows, 3);
    for (let r = 0; r < z.rows; r++) z.data.set([2, 1, 0], r * 3);
    return z;
  };
  return {
    name: "tiny",
    config: {},
    nItems: items.length,
    dim: 3,
    encodeUsers,
    decode,
    scoreUsers: (b: UserBatch) => decode(encodeUsers(b)),
  } as unknown as Recommender;
}

const batch: UserBatch = { rows: Csr.fromTriplets(1, 4, [], [], []) };
const DOC = setLabel(setLabel(emptyLabels(3), 1, "Noir"), 2, "Space Opera");

describe("clamp in the steering service", () => {
  it("resolves clamp specs by label or id and rejects bad values, naming the field", () => {
    expect(resolveSteering(DOC, { boost: [], suppress: [], clamp: ["noir:2.5", "0:0"] })).toEqual({
      boost: [],
      suppress: [],
      clamp: [
        { neuron: 1, value: 2.5 },
        { neuron: 0, value: 0 },
      ],
    });
    // No clamp specs: the request has no clamp field at all (unchanged shape).
    expect(resolveSteering(DOC, { boost: [], suppress: [] })).toEqual({ boost: [], suppress: [] });
    const missing = badInput(() => resolveSteering(DOC, { boost: [], suppress: [], clamp: ["noir"] }));
    expect(missing.field).toBe("clamp");
    expect(missing.message).toBe('clamp "noir": expected <label or neuron id>:<value>, e.g. "noir:2.5"');
    expect(badInput(() => resolveSteering(DOC, { boost: [], suppress: [], clamp: ["1:-1"] })).message).toBe(
      'clamp "1:-1": value must be finite and >= 0, got -1',
    );
    expect(badInput(() => resolveSteering(DOC, { boost: [], suppress: [], clamp: ["7:1"] })).message).toBe(
      'clamp "7:1": neuron 7 out of range [0, 3)',
    );
  });

  it("orders the ops suppress, boost, clamp and refuses a neuron under two operators", () => {
    const s: Steering = {
      boost: [{ neuron: 0, alpha: 0.5 }],
      suppress: [{ neuron: 2, factor: 0 }],
      clamp: [{ neuron: 1, value: 4 }],
    };
    expect(steeringOps(s)).toEqual([
      { kind: "suppress", neurons: [2], factor: 0 },
      { kind: "boost", knobs: [{ neuron: 0, alpha: 0.5 }] },
      { kind: "clamp", neuron: 1, value: 4 },
    ]);
    const both = badInput(() =>
      checkSteering(
        { boost: [{ neuron: 1, alpha: 0.2 }], suppress: [], clamp: [{ neuron: 1, value: 1 }] },
        3,
      ),
    );
    expect(both.message).toBe("clamp: neuron 1 is both boosted and clamped");
    expect(both.field).toBe("clamp");
    expect(
      badInput(() => checkSteering({ boost: [], suppress: [], clamp: [{ neuron: 1, value: Number.NaN }] }, 3))
        .message,
    ).toBe("clamp: value of neuron 1 must be finite and >= 0, got NaN");
  });

  it("clamps an active latent: hand-computed scores, the latent ends at exactly the value", () => {
    // z = [2, 1, 0]; clamp latent 1 to 3 -> [2, 3, 0]; scores [2, 3, 5, 0].
    const r = steerUser(tinyModel(), identitySae(3), batch, 4, {
      boost: [],
      suppress: [],
      clamp: [{ neuron: 1, value: 3 }],
    });
    expect(Array.from(r.result.scores)).toEqual([5, 3, 2, 0]);
    expect(Array.from(r.result.items)).toEqual([2, 1, 0, 3]);
    // Unsteered: scores [2, 1, 3, 0].
    expect(Array.from(r.result.unsteered.items)).toEqual([2, 0, 1, 3]);
    expect(r.result.steeredNeurons.find((a) => a.neuron === 1)?.activation).toBe(3);
  });

  it("clamps an inactive latent on, which changes the top-2 as computed by hand", () => {
    // Clamp latent 2 (inactive) to 5 -> [2, 1, 5]; scores [2, 1, 3, 5]: item 3 enters, item 0 leaves.
    const r = steerUser(tinyModel(), identitySae(3), batch, 2, {
      boost: [],
      suppress: [],
      clamp: [{ neuron: 2, value: 5 }],
    });
    expect(Array.from(r.result.items)).toEqual([3, 2]);
    expect(Array.from(r.result.scores)).toEqual([5, 3]);
    expect(Array.from(r.result.unsteered.items)).toEqual([2, 0]);
    expect(Array.from(r.result.entered)).toEqual([3]);
    expect(Array.from(r.result.left)).toEqual([0]);
    expect(r.result.neurons.some((a) => a.neuron === 2)).toBe(false);
    expect(r.result.steeredNeurons).toEqual([
      { neuron: 2, activation: 5 },
      { neuron: 0, activation: 2 },
      { neuron: 1, activation: 1 },
    ]);
  });

  it("applies the clamp after the boost, so the boost's share cannot move the clamped value", () => {
    // z = [2, 1, 0], S = 3; boost latent 0 by 0.5: 0.5 * [2, 1, 0] + 0.5 * 3 * e0 = [2.5, 0.5, 0];
    // clamp latent 1 to 4 -> [2.5, 4, 0]; scores [2.5, 4, 6.5, 0].
    const r = steerUser(tinyModel(), identitySae(3), batch, 4, {
      boost: [{ neuron: 0, alpha: 0.5 }],
      suppress: [],
      clamp: [{ neuron: 1, value: 4 }],
    });
    expect(Array.from(r.result.items)).toEqual([2, 1, 0, 3]);
    expect(Array.from(r.result.scores)).toEqual([6.5, 4, 2.5, 0]);
    expect(r.result.steeredNeurons).toEqual([
      { neuron: 1, activation: 4 },
      { neuron: 0, activation: 2.5 },
    ]);
  });

  it("clamping to 0 switches the latent off", () => {
    // [2, 1, 0] -> [0, 1, 0]; scores [0, 1, 1, 0]; ties keep the lower item first.
    const r = steerUser(tinyModel(), identitySae(3), batch, 2, {
      boost: [],
      suppress: [],
      clamp: [{ neuron: 0, value: 0 }],
    });
    expect(Array.from(r.result.scores)).toEqual([1, 1]);
    expect(r.result.steeredNeurons.find((a) => a.neuron === 0)?.activation ?? 0).toBe(0);
  });
});
