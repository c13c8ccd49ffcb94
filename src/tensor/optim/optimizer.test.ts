import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { Adam, AdamW } from "./adam.js";
import { SGD } from "./sgd.js";
import type { Optimizer, Parameter } from "./types.js";
import { expectClose, paramOf, setGrad } from "./test-utils/params.js";

describe("parameter groups", () => {
  it("each group uses its own lr and weight decay, falling back to the options", () => {
    const a = paramOf([1, 1]);
    const b = paramOf([1, 1]);
    const c = paramOf([1, 1]);
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.01 }, { params: [c], weightDecay: 1 }], {
      lr: 0.1,
    });
    for (const p of [a, b, c]) setGrad(p, [1, -1]);
    opt.step();
    expectClose(a.value.data, [0.9, 1.1]); // lr 0.1
    expectClose(b.value.data, [0.99, 1.01]); // lr 0.01
    expectClose(c.value.data, [0.8, 1]); // lr 0.1, g + 1 * w = [2, 0]
    expect(opt.groups.map((g) => g.hyper.lr)).toEqual([0.1, 0.01, 0.1]);
  });

  it("setLr sets one or all groups; setLrFactor scales each base lr", () => {
    const opt = new Adam([{ params: [paramOf([0])] }, { params: [paramOf([0])], lr: 0.4 }], { lr: 0.2 });
    opt.setLr(0.05, 1);
    expect([opt.getLr(0), opt.getLr(1)]).toEqual([0.2, 0.05]);
    opt.setLrFactor(0.5);
    expect([opt.getLr(0), opt.getLr(1)]).toEqual([0.1, 0.2]);
    opt.setLr(0.3);
    expect([opt.getLr(0), opt.getLr(1)]).toEqual([0.3, 0.3]);
    expect(() => opt.setLr(-1)).toThrow(/Adam.setLr: lr must be a finite number >= 0, got -1/);
    expect(() => opt.getLr(2)).toThrow(/Adam.getLr: group 2 does not exist \(2 groups\)/);
  });

  it("rejects a parameter listed twice, unknown options and empty parameter lists", () => {
    const p = paramOf([0], "emb");
    expect(() => new Adam([{ params: [p] }, { params: [p] }])).toThrow(
      /Adam: the same parameter is parameter 0 of group 0 \(emb\) and parameter 0 of group 1 \(emb\)/,
    );
    expect(() => new Adam([p], { weight_decay: 0.1 } as never)).toThrow(
      /Adam: unknown option "weight_decay"/,
    );
    expect(() => new Adam([{ params: [p], betas: [0.9, 0.99] } as never])).toThrow(
      /Adam group 0: unknown option "betas"/,
    );
    expect(() => new Adam([])).toThrow(/Adam: no parameters to optimise/);
  });
});

describe("step", () => {
  it("skips a parameter whose grad is null; its bias correction starts at its own first update", () => {
    const a = paramOf([1, 1]);
    const b = paramOf([1, 1]);
    const opt = new Adam([a, b], { lr: 0.1, eps: 1e-12 });
    setGrad(a, [1, -1]);
    opt.step();
    expectClose(b.value.data, [1, 1], 0);
    expectClose(a.value.data, [0.9, 1.1]);
    setGrad(b, [4, -0.5]);
    opt.step();
    // b's first update: mhat = g, vhat = g^2, so it moves by exactly lr * sign(g)
    expectClose(b.value.data, [0.9, 1.1]);
    expect(opt.stepCount).toBe(2);
    expect(opt.saveState().groups[0].params.map((s) => s?.step)).toEqual([2, 1]);
  });

  it("checks every gradient shape before updating anything", () => {
    const a = paramOf([1, 1]);
    const b = paramOf([1, 1], "bias");
    const opt = new SGD([a, b], { lr: 0.1 });
    setGrad(a, [1, 1]);
    b.grad = new Matrix(2, 1);
    expect(() => opt.step()).toThrow(
      /SGD.step: gradient of parameter 1 of group 0 \(bias\) is 2x1 but its value is 1x2/,
    );
    expectClose(a.value.data, [1, 1], 0);
    expect(opt.stepCount).toBe(0);
  });

  it("zeroGrad fills zeros by default and drops buffers with setToNull", () => {
    const a = paramOf([1]);
    const opt = new SGD([a], { lr: 0.1 });
    setGrad(a, [3]);
    const buf = a.grad;
    opt.zeroGrad();
    expect(a.grad).toBe(buf);
    expect(a.grad!.data[0]).toBe(0);
    opt.zeroGrad({ setToNull: true });
    expect(a.grad).toBeNull();
  });
});

describe("hyperparameter validation", () => {
  const p = paramOf([0]);
  const cases: [string, () => unknown, RegExp][] = [
    ["lr 0", () => new Adam([p], { lr: 0 }), /Adam: lr must be a finite number > 0, got 0/],
    ["lr negative", () => new SGD([p], { lr: -0.1 }), /SGD: lr must be a finite number > 0, got -0\.1/],
    ["lr NaN", () => new AdamW([p], { lr: Number.NaN }), /AdamW: lr must be a number, got NaN/],
    ["lr string", () => new Adam([p], { lr: "0.1" as never }), /Adam: lr must be a number, got "0\.1"/],
    ["beta1 1", () => new Adam([p], { beta1: 1 }), /Adam: beta1 must be in \[0, 1\), got 1/],
    ["beta2 negative", () => new AdamW([p], { beta2: -0.5 }), /AdamW: beta2 must be in \[0, 1\), got -0\.5/],
    ["eps 0", () => new Adam([p], { eps: 0 }), /Adam: eps must be a finite number > 0, got 0/],
    [
      "weightDecay negative",
      () => new AdamW([p], { weightDecay: -1 }),
      /AdamW: weightDecay must be a finite number >= 0, got -1/,
    ],
    [
      "group lr",
      () => new Adam([{ params: [p] }, { params: [paramOf([0])], lr: -2 }]),
      /Adam group 1: lr must be a finite number > 0, got -2/,
    ],
    [
      "nesterov type",
      () => new SGD([p], { momentum: 0.9, nesterov: 1 as never }),
      /SGD: nesterov must be true or false, got 1/,
    ],
  ];
  for (const [name, make, message] of cases) {
    it(`throws naming the field: ${name}`, () => {
      expect(make).toThrow(message);
    });
  }
});

describe("state save / restore", () => {
  function makeParams(seed: number): Parameter[] {
    const rng = new Rng(seed);
    return [new Matrix(2, 3), new Matrix(1, 4)].map((m, i) => ({
      value: new Matrix(m.rows, m.cols, rng.fillNormal(new Float32Array(m.size))),
      grad: null,
      name: `p${i}`,
    }));
  }
  function clone(ps: Parameter[]): Parameter[] {
    return ps.map((p) => ({ value: p.value.clone(), grad: null, name: p.name }));
  }
  function train(opt: Optimizer, ps: Parameter[], gradSeed: number, steps: number): void {
    const rng = new Rng(gradSeed);
    for (let t = 0; t < steps; t++) {
      for (const p of ps)
        p.grad = new Matrix(p.value.rows, p.value.cols, rng.fillNormal(new Float32Array(p.value.size)));
      opt.step();
    }
  }

  const makers: [string, (ps: Parameter[]) => Optimizer][] = [
    [
      "Adam",
      (ps) => new Adam([{ params: [ps[0]] }, { params: [ps[1]], lr: 0.03 }], { lr: 0.1, weightDecay: 0.01 }),
    ],
    ["AdamW", (ps) => new AdamW(ps, { lr: 0.05 })],
    ["SGD", (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true })],
  ];
  for (const [kind, make] of makers) {
    it(`${kind}: a restored optimiser continues bit-identically`, () => {
      const ps = makeParams(1);
      const opt = make(ps);
      train(opt, ps, 2, 3);
      opt.setLrFactor(0.7);
      const saved = opt.saveState();
      const snapshot = clone(ps);
      train(opt, ps, 3, 4);

      const resumed = clone(snapshot);
      const fresh = make(resumed);
      fresh.loadState(saved);
      expect(fresh.stepCount).toBe(3);
      expect(fresh.getLr(0)).toBeCloseTo(opt.getLr(0), 15);
      train(fresh, resumed, 3, 4);
      resumed.forEach((p, i) => expect(p.value.data).toEqual(ps[i].value.data));
      // without the state the continuation differs (the test can fail)
      const cold = clone(snapshot);
      train(make(cold), cold, 3, 4);
      expect(cold[0].value.data).not.toEqual(ps[0].value.data);
    });
  }

  it("saveState is a deep copy and loadState copies too", () => {
    const p = paramOf([1, 2]);
    const opt = new Adam([p], { lr: 0.1 });
    setGrad(p, [1, 1]);
    opt.step();
    const saved = opt.saveState();
    const m = Array.from(saved.groups[0].params[0]!.buffers.m);
    opt.step();
    expect(Array.from(saved.groups[0].params[0]!.buffers.m)).toEqual(m);
    expect(m[0]).toBeCloseTo(0.1, 7);
    opt.loadState(saved);
    saved.groups[0].params[0]!.buffers.m.fill(99);
    expect(opt.saveState().groups[0].params[0]!.buffers.m[0]).toBeCloseTo(0.1, 7);
  });

  it("rejects a state that does not fit, changing nothing", () => {
    const p = paramOf([1, 2]);
    const opt = new Adam([p], { lr: 0.1 });
    setGrad(p, [1, 1]);
    opt.step();
    const good = opt.saveState();
    expect(() => new AdamW([paramOf([1, 2])]).loadState(good)).toThrow(
      /AdamW.loadState: state was written by Adam, not AdamW/,
    );
    expect(() => new Adam([paramOf([1, 2, 3])]).loadState(good)).toThrow(
      /Adam.loadState: parameter 0 of group 0: buffer m must be a Float32Array of 3 values, got 2/,
    );
    expect(() => new Adam([paramOf([1]), paramOf([2])]).loadState(good)).toThrow(
      /state has 1 parameters, optimiser has 2/,
    );
    const badHyper = structuredClone(good);
    badHyper.groups[0].hyper.beta2 = 1.5;
    expect(() => opt.loadState(badHyper)).toThrow(
      /Adam.loadState group 0: beta2 must be in \[0, 1\), got 1\.5/,
    );
    const missing = structuredClone(good);
    delete missing.groups[0].params[0]!.buffers.v;
    expect(() => opt.loadState(missing)).toThrow(/buffers \[m\] do not match \[m,v\]/);
    expect(opt.stepCount).toBe(1);
  });
});
