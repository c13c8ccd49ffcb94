import { describe, expect, it } from "vitest";
import { modelAndDataset, parseSettings, splitFromCli } from "./train.js";

describe("reclens train --set", () => {
  it("parses JSON values and keeps bare words as strings", () => {
    expect(parseSettings(["dim=64", "lr=1e-3", "loss=bpr", "bias=false", "name=a=b"])).toEqual({
      dim: 64,
      lr: 0.001,
      loss: "bpr",
      bias: false,
      name: "a=b",
    });
  });

  it("rejects a setting without a key", () => {
    expect(() => parseSettings(["=3"])).toThrow('--set expects key=value, got "=3"');
    expect(() => parseSettings(["dim"])).toThrow('--set expects key=value, got "dim"');
  });
});

describe("reclens train: model, dataset and split from the command line", () => {
  const base = { set: [], out: "o", seed: 1, patience: 5, split: "held-out-users" };

  it("takes `<dataset> --model m` and `<model> --dataset d`", () => {
    expect(modelAndDataset("ml-100k", { ...base, model: "ease" })).toEqual({
      model: "ease",
      data: "ml-100k",
    });
    expect(modelAndDataset("elsa", { ...base, dataset: "csv:x.csv" })).toEqual({
      model: "elsa",
      data: "csv:x.csv",
    });
    expect(modelAndDataset(undefined, { ...base, dataset: "d", model: "mf" })).toEqual({
      model: "mf",
      data: "d",
    });
    expect(() => modelAndDataset("elsa", { ...base, dataset: "d", model: "mf" })).toThrow(
      /give the model once/,
    );
    expect(() => modelAndDataset(undefined, { ...base, dataset: "d" })).toThrow(
      /no model: reclens train <model>/,
    );
    expect(() => modelAndDataset("ml-100k", base)).toThrow(/no model: reclens train ml-100k --model/);
    expect(() => modelAndDataset(undefined, base)).toThrow(/no dataset/);
  });

  it("builds either split and refuses the other kind's options", () => {
    expect(splitFromCli({ ...base, foldIn: 0.5 })).toEqual({ kind: "heldOutUsers", foldInFraction: 0.5 });
    expect(splitFromCli({ ...base, split: "leave-k-out", k: 1, order: "recent" })).toEqual({
      kind: "leaveKOut",
      k: 1,
      order: "recent",
    });
    expect(splitFromCli({ ...base, split: "leave-one-out" })).toEqual({ kind: "leaveOneOut" });
    expect(() => splitFromCli({ ...base, split: "leave-one-out", k: 2 })).toThrow(
      "--k does not apply to --split leave-one-out",
    );
    expect(() => splitFromCli({ ...base, split: "time" })).toThrow(
      '--split must be one of held-out-users, leave-k-out, leave-one-out, got "time"',
    );
    expect(() => splitFromCli({ ...base, k: 3 })).toThrow("--k does not apply to --split held-out-users");
    expect(() => splitFromCli({ ...base, split: "leave-k-out", valFraction: 0.2 })).toThrow(
      "--val-fraction does not apply to --split leave-k-out",
    );
    expect(() => splitFromCli({ ...base, split: "leave-k-out", k: 0 })).toThrow(
      "--k must be at least 1, got 0",
    );
    expect(() => splitFromCli({ ...base, split: "leave-k-out", order: "oldest" })).toThrow(
      '--order must be random or recent, got "oldest"',
    );
  });
});
