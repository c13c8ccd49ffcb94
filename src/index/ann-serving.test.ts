import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModel } from "../models/index.js";
import { randomCsr } from "../models/testing.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { topNUnseen } from "../nested/nested-rank.js";
import { NestedRecommender } from "../nested/nested.js";
import { makeSaeConfig } from "../sae/config.js";
import { SparseAutoencoder } from "../sae/model.js";
import { steerCode, type SteerOp } from "../steer/ops.js";
import { recommend } from "../steer/recommend.js";
import { Rng } from "../tensor/rng.js";
import { attachAnnIndex } from "./ann-serving.js";
import { servingIndexOf } from "./serving.js";
import { readAnnMeta } from "./usearch.js";

const ITEMS = 60;
const DIM = 8;
const train = randomCsr(50, ITEMS, 0.2, 31);
const root = mkdtempSync(join(tmpdir(), "reclens-ann-serving-"));
const models = new Map<string, Recommender>();
const batchOf = (u: number): UserBatch => ({ rows: train.gatherRows([u]), userIds: Int32Array.of(u) });

beforeAll(async () => {
  const cfgs: Record<string, Record<string, unknown>> = {
    elsa: { dim: DIM, epochs: 3, batchSize: 16 },
    mf: { dim: DIM, epochs: 3, batchSize: 64 },
    multvae: { dim: DIM, hidden: 16, epochs: 1, batchSize: 16 },
  };
  for (const [name, cfg] of Object.entries(cfgs)) {
    const m = createModel(name, cfg);
    await m.fit(train, { rng: new Rng(2) });
    models.set(name, m);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("serving through the usearch ANN index", () => {
  for (const name of ["elsa", "mf"])
    it(`${name}: steered and unsteered lists equal the exact decode-and-rank path (beam over every item)`, () => {
      // With expansion_search >= the catalogue the HNSW search is exhaustive (recall 1, see
      // usearch.test.ts), so the ANN path must reproduce the exact lists and scores bit for bit:
      // ELSA's "- x" on the user's own items (excludeSeen false) and MF's item bias included.
      const model = models.get(name) as Recommender;
      const dir = join(root, name);
      const graph = { connectivity: 8, expansionAdd: 32 }; // as `serve --ann-connectivity/--ann-expansion-add`
      const first = attachAnnIndex(model, dir, { expansionSearch: ITEMS, ...graph });
      expect(first.built).toBe(true);
      expect(readAnnMeta(dir)).toMatchObject(graph);
      expect(first.items).toBe(ITEMS);
      const again = attachAnnIndex(model, dir, { expansionSearch: ITEMS });
      expect(again.built).toBe(false); // reopened by a memory-mapped view
      expect(servingIndexOf(model)?.ann?.expansionSearch).toBe(ITEMS);
      const sae = new SparseAutoencoder(makeSaeConfig("topk", DIM, 16, { k: 4, normalisation: "none" }), 5);
      sae.initialise(
        model.encodeUsers({ rows: train, userIds: Int32Array.from({ length: 50 }, (_, u) => u) }),
      );
      const nested = new NestedRecommender(model, sae);
      for (const u of [1, 12, 45])
        for (const excludeSeen of [true, false]) {
          const b = batchOf(u);
          const enc = nested.encodeWithError(b);
          const ops: SteerOp[] = [{ kind: "boost", knobs: [{ neuron: u % 16, alpha: 0.7 }] }];
          const r = recommend(model, sae, b, { n: 10, steer: ops, excludeSeen }).users[0];
          const seen = excludeSeen ? b.rows : null;
          const rep = nested.representationFromCode(steerCode(enc.code, ops), { addError: enc });
          const want = topNUnseen(model.decode(rep, b), seen, 10);
          expect(Array.from(r.items)).toEqual(Array.from(want.indices.subarray(0, want.lengths[0])));
          expect(Array.from(r.scores)).toEqual(Array.from(want.scores.subarray(0, want.lengths[0])));
          const base = topNUnseen(
            model.decode(nested.representationFromCode(enc.code, { addError: enc }), b),
            seen,
            10,
          );
          expect(Array.from(r.unsteered.items)).toEqual(
            Array.from(base.indices.subarray(0, base.lengths[0])),
          );
          if (excludeSeen) for (const i of r.items) expect(Array.from(b.rows.indices)).not.toContain(i);
        }
    });

  it("refuses a model without a linear decoder and an index of another model's items", () => {
    expect(() => attachAnnIndex(models.get("multvae") as Recommender, join(root, "vae"))).toThrow(
      /no linear decoder/,
    );
    expect(() => attachAnnIndex(models.get("mf") as Recommender, join(root, "elsa"))).toThrow(/rebuild it/);
  });

  it("detaching goes back to exact ranking", () => {
    const model = models.get("elsa") as Recommender;
    const s = servingIndexOf(model);
    s?.useAnn(null);
    expect(s?.ann).toBeNull();
  });
});
