import { describe, expect, it } from "vitest";
import { parseSettings } from "./train.js";

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
