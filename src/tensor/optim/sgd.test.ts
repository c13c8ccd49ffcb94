import { describe, expect, it } from "vitest";
import { SGD } from "./sgd.js";
import { expectClose, paramOf, setGrad } from "./test-utils/params.js";

// Fixture: w0 = [1, -2], g1 = [0.5, -1], g2 = [-0.3, 2], lr 0.1.
function run(opt: SGD, p: ReturnType<typeof paramOf>): number[][] {
  const out: number[][] = [];
  for (const g of [
    [0.5, -1],
    [-0.3, 2],
  ]) {
    setGrad(p, g);
    opt.step();
    out.push(Array.from(p.value.data));
  }
  return out;
}

describe("SGD", () => {
  it("plain: w -= lr * g", () => {
    const p = paramOf([1, -2]);
    const [w1, w2] = run(new SGD([p], { lr: 0.1 }), p);
    expectClose(w1, [0.95, -1.9]);
    expectClose(w2, [0.98, -2.1]);
  });

  it("momentum 0.9 matches hand-computed values", () => {
    // Step 1: buf = g1 = [0.5, -1]; w1 = [1 - 0.05, -2 + 0.1] = [0.95, -1.9]
    // Step 2: buf = 0.9 [0.5, -1] + [-0.3, 2] = [0.15, 1.1]; w2 = [0.95 - 0.015, -1.9 - 0.11] = [0.935, -2.01]
    const p = paramOf([1, -2]);
    const [w1, w2] = run(new SGD([p], { lr: 0.1, momentum: 0.9 }), p);
    expectClose(w1, [0.95, -1.9]);
    expectClose(w2, [0.935, -2.01]);
  });

  it("Nesterov momentum matches hand-computed values", () => {
    // Step 1: buf = g1; d = g1 + 0.9 buf = [0.95, -1.9]; w1 = [0.905, -1.81]
    // Step 2: buf = [0.15, 1.1]; d = g2 + 0.9 buf = [-0.165, 2.99]; w2 = [0.9215, -2.109]
    const p = paramOf([1, -2]);
    const [w1, w2] = run(new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true }), p);
    expectClose(w1, [0.905, -1.81]);
    expectClose(w2, [0.9215, -2.109]);
  });

  it("weight decay adds wd * w to the gradient before momentum", () => {
    // wd 0.5. Step 1: g = [0.5 + 0.5, -1 - 1] = [1, -2]; buf = g; w1 = [0.9, -1.8]
    // Step 2: g = [-0.3 + 0.45, 2 - 0.9] = [0.15, 1.1]; buf = 0.5 [1, -2] + g = [0.65, 0.1]; w2 = [0.835, -1.81]
    const p = paramOf([1, -2]);
    const [w1, w2] = run(new SGD([p], { lr: 0.1, momentum: 0.5, weightDecay: 0.5 }), p);
    expectClose(w1, [0.9, -1.8]);
    expectClose(w2, [0.835, -1.81]);
  });

  it("rejects Nesterov without momentum and momentum outside [0, 1)", () => {
    const p = paramOf([1]);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/SGD: nesterov requires momentum > 0/);
    expect(() => new SGD([p], { lr: 0.1, momentum: 1 })).toThrow(/SGD: momentum must be in \[0, 1\), got 1/);
    expect(() => new SGD([p], { lr: 0.1, momentum: -0.1 })).toThrow(/momentum .*got -0\.1/);
  });
});
