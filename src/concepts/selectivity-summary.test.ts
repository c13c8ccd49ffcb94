import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { neuronSelectivity } from "./selectivity.js";
import { selectivitySummary } from "./selectivity-summary.js";

describe("selectivity summary", () => {
  // Two families over 4 live neurons (neuron 1 fires only on untagged items: no mass anywhere).
  // g (2 tags): n0 [.5, .5], n2 [1, 0]; mean [.75, .25] -> KL n0 0.1438410, n2 ln(4/3) = 0.2876821;
  //             normalised entropy 1 and 0.
  // t (2 tags): n0 [1, 0], n3 [0, 1]; mean [.5, .5] -> KL ln 2 = 0.6931472 for both, entropy 0.
  const g = neuronSelectivity(
    Matrix.fromRows([
      [1, 0, 2, 0],
      [1, 0, 0, 0],
    ]),
  );
  const t = neuronSelectivity(
    Matrix.fromRows([
      [1, 0, 0, 0],
      [0, 0, 0, 1],
    ]),
  );
  const fams = [
    { kind: "g", tags: 2, neurons: g },
    { kind: "t", tags: 2, neurons: t },
  ];

  it("hand values at a 0.2-nat threshold", () => {
    const s = selectivitySummary(fams, [0, 1, 2, 3], 0.2);
    const [sg, st] = s.families;
    expect(sg).toMatchObject({
      family: "g",
      liveNeurons: 4,
      withMass: 2,
      klAtLeast: 1,
      shareKlAtLeast: 0.25,
    });
    expect(sg.medianKl).toBeCloseTo(
      (0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(2) + Math.log(4 / 3)) / 2,
      12,
    );
    expect(sg.maxKl).toBeCloseTo(Math.log(4 / 3), 12);
    expect(sg.meanNormalisedEntropy).toBeCloseTo(0.5, 12);
    expect(st).toMatchObject({ withMass: 2, klAtLeast: 2, shareKlAtLeast: 0.5, meanNormalisedEntropy: 0 });
    expect(st.medianKl).toBeCloseTo(Math.log(2), 12);
    // n0 (max 0.693), n2 (0.288), n3 (0.693) reach 0.2 in some family; n1 has no mass
    expect(s.anyFamily).toEqual({ klAtLeast: 3, shareKlAtLeast: 0.75 });
  });

  it("default threshold of 2 nats, and a threshold between the two families", () => {
    const s2 = selectivitySummary(fams, [0, 1, 2, 3]);
    expect(s2.klThreshold).toBe(2);
    expect(s2.families.map((f) => f.klAtLeast)).toEqual([0, 0]);
    expect(s2.anyFamily.shareKlAtLeast).toBe(0);
    const s5 = selectivitySummary(fams, [0, 1, 2, 3], 0.5);
    expect(s5.families.map((f) => f.klAtLeast)).toEqual([0, 2]);
    expect(s5.anyFamily.klAtLeast).toBe(2);
    expect(() => selectivitySummary(fams, [0], NaN)).toThrow(/threshold must be finite/);
  });
});
