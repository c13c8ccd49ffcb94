import { describe, expect, it } from "vitest";
import type { NestedEvalReport } from "../nested/nested-eval.js";
import { nestedMetrics } from "./sae-metrics.js";

const ms = (mean: number, stderr = 0.01) => ({ mean, stderr });

function report(users: number, meanL0: number): NestedEvalReport {
  return {
    users,
    k: 20,
    hitMetric: "recall_trunc",
    fidelityN: 30,
    rboP: 0.9,
    addError: false,
    original: { hit: ms(0.3), ndcg: ms(0.25) },
    nested: { hit: ms(0.27), ndcg: ms(0.2) },
    kept: { hit: 0.9, ndcg: 0.8 },
    fidelity: { rbo: ms(0.7), kendallTau: ms(0.5) },
    reconstruction: { cosine: 0.85, fve: 0.6, mse: 0.4 },
    sparsity: { meanL0, deadFraction: 0.45 },
  };
}

describe("nestedMetrics", () => {
  it("flattens the report under the prefix with k in the keys", () => {
    const m = nestedMetrics("test", report(500, 32), 2048);
    expect(m["test/users"]).toBe(500);
    expect(m["test/kept/recall_trunc@20"]).toBe(0.9);
    expect(m["test/nested/ndcg@20/se"]).toBe(0.01);
    expect(m["test/rbo"]).toBe(0.7);
    expect(m["test/l0"]).toBe(32);
  });

  it("reports the dead fraction only with at least 5 firings per latent", () => {
    // 66 users x 32 active = 2112 firings over 2048 latents: ~35% would never fire even if uniform.
    expect(nestedMetrics("val", report(66, 32), 2048)["val/deadFraction"]).toBeUndefined();
    expect(nestedMetrics("val", report(319, 32), 2048)["val/deadFraction"]).toBeUndefined(); // 10208 < 10240
    expect(nestedMetrics("val", report(320, 32), 2048)["val/deadFraction"]).toBe(0.45); // exactly 5 per latent
  });
});
