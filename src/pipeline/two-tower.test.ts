import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyLabels } from "../concepts/labels.js";
import { topNItems, topNUnseen } from "../nested/nested-rank.js";
import type { Matrix } from "../tensor/matrix.js";
import { itemActivations, itemVectorSource } from "./item-activations.js";
import { labelRun } from "./label-run.js";
import { recommendForUser } from "./recommend-run.js";
import { loadRunSae } from "./sae-ref.js";
import { trainSaeOnRun } from "./sae-run.js";
import { PLANTED_SAE, plantedRun, type PlantedRun } from "./testing.js";

/** A two-tower model (MF): item activations come from the item embeddings, users keep their ids. */
const root = mkdtempSync(join(tmpdir(), "reclens-pipeline-mf-"));
let planted: PlantedRun;

beforeAll(async () => {
  planted = await plantedRun(root, "mf");
  await trainSaeOnRun(planted.ctx, PLANTED_SAE, { progress: "never" });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("pipeline on MF", () => {
  it("labels from the SAE codes of the item embeddings and recovers every planted concept", async () => {
    const { ctx } = planted;
    const { sae } = loadRunSae(ctx);
    expect(itemVectorSource(ctx.model)).toBe("item-embeddings");
    const q = (ctx.model.encodeItems as () => Matrix).call(ctx.model);
    expect(Array.from(itemActivations(ctx.model, sae).data)).toEqual(Array.from(sae.encodeDense(q).data));
    const r = await labelRun(ctx);
    expect(r.itemVectors).toBe("item-embeddings");
    for (const concept of planted.truth.conceptNames) {
      const pure = r.purity.neurons.filter(
        (n) => n.kind === "genre" && n.label === concept && n.purity["10"] >= 0.9,
      );
      expect(pure.length, concept).toBeGreaterThanOrEqual(1);
    }
  });

  it("recommends for a training user from their learned embedding (user id), not a fold-in", () => {
    const { ctx } = planted;
    const loaded = loadRunSae(ctx);
    const u = ctx.split.trainUsers[3];
    const rows = ctx.dataset.matrix.gatherRows([u]);
    const byId = topNItems(
      topNUnseen(ctx.model.scoreUsers({ rows, userIds: Int32Array.of(3) }), rows, 10),
      0,
    );
    const r = recommendForUser(ctx, loaded, emptyLabels(loaded.sae.dSae), ctx.dataset.users[u], { n: 10 });
    expect(r.items.map((i) => i.item)).toEqual(Array.from(byId));
  });
});
