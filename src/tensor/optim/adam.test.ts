import { describe, expect, it } from "vitest";
import { kernels } from "../backend.js";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { Adam, AdamW } from "./adam.js";
import { warmupCosineDecay } from "./schedule.js";
import { expectClose, paramOf, setGrad } from "./test-utils/params.js";

// Shared fixture: w0 = [1, -2], g1 = [0.5, -1], g2 = [-0.3, 2], lr 0.1, betas 0.9 / 0.999, eps 0.01.
const G1 = [0.5, -1];
const G2 = [-0.3, 2];
const HYPER = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 0.01 };

function twoSteps(opt: Adam | AdamW, p: ReturnType<typeof paramOf>): number[][] {
  const out: number[][] = [];
  for (const g of [G1, G2]) {
    setGrad(p, g);
    opt.step();
    out.push(Array.from(p.value.data));
  }
  return out;
}

describe("Adam", () => {
  it("matches hand-computed values for the first two steps", () => {
    // Step 1: m = 0.1 g1, v = 0.001 g1^2, mhat = g1, vhat = g1^2,
    //   u = g1 / (|g1| + 0.01) = [0.5/0.51, -1/1.01] = [0.98039216, -0.99009901]
    //   w1 = w0 - 0.1 u = [0.90196078, -1.90099010]
    // Step 2 (element 0): m = 0.09*0.5 + 0.1*(-0.3) = 0.015, v = 0.000999*0.25 + 0.001*0.09 = 0.00033975,
    //   mhat = 0.015/0.19 = 0.07894737, vhat = 0.00033975/0.001999 = 0.16995998,
    //   u = 0.07894737 / (0.41226203 + 0.01) = 0.18696298, w2 = 0.90196078 - 0.018696298 = 0.88326449
    // Step 2 (element 1): m = -0.09 + 0.2 = 0.11, v = 0.000999 + 0.004 = 0.004999,
    //   mhat = 0.57894737, vhat = 2.50075038, u = 0.57894737 / (1.58137610 + 0.01) = 0.36380298,
    //   w2 = -1.90099010 - 0.036380298 = -1.93737040
    const p = paramOf([1, -2]);
    const [w1, w2] = twoSteps(new Adam([p], HYPER), p);
    expectClose(w1, [0.90196078, -1.9009901]);
    expectClose(w2, [0.88326449, -1.9373704]);
  });

  it("couples weight decay: Adam(wd) on g equals Adam(0) on g + wd*w", () => {
    // Hand values, wd = 0.1: g1' = g1 + 0.1 w0 = [0.6, -1.2], u = [0.6/0.61, -1.2/1.21],
    //   w1 = [1 - 0.098360656, -2 + 0.099173554] = [0.90163934, -1.90082645]; step 2 likewise.
    const p = paramOf([1, -2]);
    const [w1, w2] = twoSteps(new Adam([p], { ...HYPER, weightDecay: 0.1 }), p);
    expectClose(w1, [0.90163934, -1.90082645]);
    expectClose(w2, [0.86381163, -1.92568044]);

    const q = paramOf([1, -2]);
    const plain = new Adam([q], HYPER);
    for (const g of [G1, G2]) {
      setGrad(q, [g[0] + 0.1 * q.value.data[0], g[1] + 0.1 * q.value.data[1]]);
      plain.step();
    }
    expectClose(q.value.data, w2, 1e-7);
  });
});

describe("AdamW", () => {
  it("matches hand-computed values for the first two steps", () => {
    // w <- w - lr (u + wd w), wd = 0.1, u as in the Adam test (moments do not see the decay):
    //   w1 = [1 - 0.1 (0.98039216 + 0.1), -2 - 0.1 (-0.99009901 - 0.2)] = [0.89196078, -1.8809901]
    //   w2 = [0.89196078 - 0.1 (0.18696298 + 0.089196078), -1.8809901 - 0.1 (0.36380298 - 0.18809901)]
    //      = [0.86434488, -1.8985605]
    const p = paramOf([1, -2]);
    const [w1, w2] = twoSteps(new AdamW([p], { ...HYPER, weightDecay: 0.1 }), p);
    expectClose(w1, [0.89196078, -1.8809901]);
    expectClose(w2, [0.86434488, -1.8985605]);
  });

  it("differs from undecayed Adam by exactly the decoupled decay term lr*wd*w", () => {
    const lr = 0.1;
    const wd = 0.3;
    const a = paramOf([1, -2]);
    const w = paramOf([1, -2]);
    const adam = new Adam([a], { ...HYPER, lr });
    const adamw = new AdamW([w], { ...HYPER, lr, weightDecay: wd });
    // With identical gradients the moments agree, so the gap d = wW - wA follows d' = d - lr*wd*wW_prev.
    const rng = new Rng(3);
    let gap = [0, 0];
    for (let t = 0; t < 5; t++) {
      const g = [rng.normal(), rng.normal()];
      const prev = Array.from(w.value.data);
      setGrad(a, g);
      setGrad(w, g);
      adam.step();
      adamw.step();
      gap = [gap[0] - lr * wd * prev[0], gap[1] - lr * wd * prev[1]];
      expectClose([w.value.data[0] - a.value.data[0], w.value.data[1] - a.value.data[1]], gap, 2e-6);
    }
    expect(Math.abs(gap[0])).toBeGreaterThan(0.05);
  });

  it("defaults to weight decay 0.01 while Adam defaults to 0", () => {
    const p = paramOf([1]);
    expect(new AdamW([p]).groups[0].hyper.weightDecay).toBe(0.01);
    expect(new Adam([p]).groups[0].hyper.weightDecay).toBe(0);
  });
});

describe("Adam on a planted least-squares problem", () => {
  it("converges to the normal-equations solution of min ||A w - b||^2", () => {
    const n = 40;
    const d = 5;
    const rng = new Rng(11);
    const a = new Matrix(n, d, rng.fillNormal(new Float32Array(n * d)));
    const wTrue = [1.5, -2, 0.5, 3, -1];
    const b = new Matrix(n, 1);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += a.get(i, j) * wTrue[j];
      b.data[i] = s + 0.1 * rng.normal();
    }
    // Known optimum: w* = (A^T A)^{-1} A^T b.
    const ata = kernels().gemm(true, false, 1, a, a, 0, new Matrix(d, d));
    const atb = kernels().gemm(true, false, 1, a, b, 0, new Matrix(d, 1));
    const wStar = kernels().spdSolve(ata, atb).data;

    const w = { value: new Matrix(1, d), grad: new Matrix(1, d) as Matrix | null };
    const opt = new Adam([w], { lr: 0.1 });
    const steps = 3000;
    for (let t = 1; t <= steps; t++) {
      opt.setLrFactor(warmupCosineDecay(t, 50, steps, 0.001));
      // Hand-written gradient: 2 A^T (A w - b).
      const g = (w.grad as Matrix).data;
      g.fill(0);
      for (let i = 0; i < n; i++) {
        let r = -b.data[i];
        for (let j = 0; j < d; j++) r += a.get(i, j) * w.value.data[j];
        for (let j = 0; j < d; j++) g[j] += 2 * a.get(i, j) * r;
      }
      opt.step();
    }
    expectClose(w.value.data, wStar, 1e-4);
    expectClose(w.value.data, wTrue, 0.1);
  });
});
