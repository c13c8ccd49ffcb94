import { describe, expect, it } from "vitest";
import { Adam } from "./adam.js";
import {
  applyLrSchedule,
  warmupConstant,
  warmupCosineDecay,
  warmupLinearDecay,
  warmupSchedule,
} from "./schedule.js";
import { paramOf, setGrad } from "./test-utils/params.js";

describe("learning-rate schedules", () => {
  it("warm up linearly then stay constant", () => {
    expect([1, 2, 4, 5, 100].map((s) => warmupConstant(s, 4))).toEqual([0.25, 0.5, 1, 1, 1]);
    expect(warmupConstant(1, 0)).toBe(1);
  });

  it("linear decay: 1 at the end of warm-up, minFactor at totalSteps and after", () => {
    // warm-up 10, total 110, min 0.2: step 60 is half-way, factor 1 - 0.8 * 0.5 = 0.6
    const f = (s: number): number => warmupLinearDecay(s, 10, 110, 0.2);
    expect(f(5)).toBeCloseTo(0.5, 12);
    expect(f(10)).toBeCloseTo(1, 12);
    expect(f(60)).toBeCloseTo(0.6, 12);
    expect(f(85)).toBeCloseTo(0.4, 12);
    expect(f(110)).toBeCloseTo(0.2, 12);
    expect(f(500)).toBeCloseTo(0.2, 12);
  });

  it("cosine decay: half-way gives (1 + min) / 2, quarter gives min + (1 - min)(1 + cos(pi/4))/2", () => {
    const f = (s: number): number => warmupCosineDecay(s, 10, 110, 0.2);
    expect(f(10)).toBeCloseTo(1, 12);
    expect(f(60)).toBeCloseTo(0.6, 12);
    expect(f(35)).toBeCloseTo(0.2 + 0.8 * 0.5 * (1 + Math.SQRT1_2), 12);
    expect(f(110)).toBeCloseTo(0.2, 12);
    expect(f(1000)).toBeCloseTo(0.2, 12);
    expect(warmupCosineDecay(3, 0, 0)).toBe(0);
  });

  it("warmupSchedule builds the same functions and validates once", () => {
    const s = warmupSchedule({ warmupSteps: 10, decay: "cosine", totalSteps: 110, minFactor: 0.2 });
    expect(s(35)).toBe(warmupCosineDecay(35, 10, 110, 0.2));
    expect(warmupSchedule({ warmupSteps: 2, decay: "constant" })(1)).toBe(0.5);
    expect(() => warmupSchedule({ warmupSteps: 10, decay: "linear" })).toThrow(
      /totalSteps is required for linear decay/,
    );
    expect(() => warmupSchedule({ warmupSteps: 10, decay: "linear", totalSteps: 5 })).toThrow(
      /totalSteps must be >= warmupSteps \(10\), got 5/,
    );
    expect(() => warmupSchedule({ warmupSteps: -1, decay: "constant" })).toThrow(
      /warmupSteps must be an integer >= 0, got -1/,
    );
    expect(() => warmupSchedule({ warmupSteps: 0, decay: "cosine", totalSteps: 5, minFactor: 2 })).toThrow(
      /minFactor must be in \[0, 1\], got 2/,
    );
    expect(() => warmupSchedule({ warmupSteps: 0, decay: "step" as "linear", totalSteps: 5 })).toThrow(
      /decay must be/,
    );
    expect(() => warmupConstant(Number.NaN, 3)).toThrow(/step must be a finite number >= 0, got NaN/);
  });

  it("applyLrSchedule scales each group's base lr for the upcoming step", () => {
    const a = paramOf([0]);
    const b = paramOf([0]);
    const opt = new Adam([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    const sched = warmupSchedule({ warmupSteps: 4, decay: "constant" });
    expect(applyLrSchedule(opt, sched)).toBe(0.25);
    expect(opt.getLr(0)).toBeCloseTo(0.025, 12);
    expect(opt.getLr(1)).toBeCloseTo(0.125, 12);
    setGrad(a, [1]);
    opt.step();
    // first Adam step moves by lr * g / (|g| + eps) ~ lr
    expect(a.value.data[0]).toBeCloseTo(-0.025, 6);
    expect(applyLrSchedule(opt, sched)).toBe(0.5);
    expect(opt.getLr(1)).toBeCloseTo(0.25, 12);
  });
});
