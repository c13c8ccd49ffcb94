import { beforeAll, describe, expect, it } from "vitest";
import { evaluateRanking } from "../eval/ranking.js";
import { trainingBatch } from "../models/types.js";
import { topNItems, topNUnseen } from "../nested/nested-rank.js";
import { NestedRecommender } from "../nested/nested.js";
import { suppressGenreForUsers } from "./genre-suppression.js";
import { promoteItem } from "./promote.js";
import { recommend } from "./recommend.js";
import { plantedWorld, type PlantedWorld } from "./testing.js";
import { targetSegments } from "./tags.js";
import { tradeoffSvg } from "../plot/tradeoff.js";
import { evaluateTradeoff, tradeoffTable } from "./tradeoff.js";

/**
 * End to end on planted data: 300 users x 120 items x 4 concepts, ELSA (d = 16) and a TopK SAE
 * (16 latents, k = 3) trained on the training users; concept c's knob is the latent most active
 * for a pseudo-user who has seen all of c's items (see testing.ts).
 */
let w: PlantedWorld;
const CONCEPTS = 4;
const ALPHAS = [0, 0.1, 0.2, 0.3, 0.5];

beforeAll(async () => {
  w = await plantedWorld();
});

function conceptItems(world: PlantedWorld, c: number): number[] {
  return Array.from({ length: world.dataset.items.length }, (_, i) => i).filter(
    (i) => world.truth.itemConcept[i] === c,
  );
}

/** Test rows whose user satisfies `pick(user)`. */
function testRows(pick: (u: number) => boolean): number[] {
  return Array.from(w.split.test.users)
    .map((u, r) => [u, r])
    .filter(([u]) => pick(u))
    .map(([, r]) => r);
}

describe("planted world", () => {
  it("maps the four concepts to four different latents", () => {
    expect(new Set(w.conceptNeuron).size).toBe(CONCEPTS);
  });

  it("boosting concept c's latent fills the top-20 of users who never chose c with c's items; alpha 0 changes nothing", () => {
    for (let c = 0; c < CONCEPTS; c++) {
      const rows = testRows((u) => w.truth.userMixtures.get(u, c) === 0);
      expect(rows.length).toBeGreaterThan(20);
      const batch = { rows: w.split.test.foldIn.gatherRows(rows) };
      const inC = new Set(conceptItems(w, c));
      const shares = ALPHAS.map((alpha) => {
        const res = recommend(w.model, w.sae, batch, {
          n: 20,
          steer: [{ kind: "boost", knobs: [{ neuron: w.conceptNeuron[c], alpha }] }],
        });
        if (alpha === 0) {
          // exactly the original recommender's lists
          const orig = topNUnseen(w.model.scoreUsers(batch), batch.rows, 20);
          res.users.forEach((u, r) => expect(Array.from(u.items)).toEqual(Array.from(topNItems(orig, r))));
        }
        let share = 0;
        for (const u of res.users)
          share += Array.from(u.items).filter((i) => inC.has(i)).length / u.items.length;
        return share / res.users.length;
      });
      expect(shares[0]).toBeLessThan(0.1);
      expect(shares[4]).toBeGreaterThan(0.5);
      for (let a = 1; a < ALPHAS.length; a++) expect(shares[a]).toBeGreaterThan(shares[a - 1]);
    }
  });

  it("alpha 0 without the error add-back gives the pure nested model's lists", () => {
    const batch = { rows: w.split.test.foldIn };
    const res = recommend(w.model, w.sae, batch, {
      n: 20,
      addError: false,
      steer: [{ kind: "boost", knobs: [{ neuron: w.conceptNeuron[0], alpha: 0 }] }],
    });
    const nested = topNUnseen(new NestedRecommender(w.model, w.sae).nestedScores(batch), batch.rows, 20);
    const orig = topNUnseen(w.model.scoreUsers(batch), batch.rows, 20);
    let differs = 0;
    res.users.forEach((u, r) => {
      expect(Array.from(u.items)).toEqual(Array.from(topNItems(nested, r)));
      if (Array.from(topNItems(orig, r)).join() !== Array.from(u.items).join()) differs++;
    });
    expect(differs).toBeGreaterThan(0); // the SAE is lossy: the nested lists are not the original ones
  });

  it("suppressing a concept's latents for its fans lowers its share of their top-20", () => {
    for (let c = 0; c < CONCEPTS; c++) {
      const row = w.conceptActivation.row(c);
      const max = Math.max(...row);
      const neurons = Array.from(row.keys()).filter((j) => row[j] >= 0.5 * max);
      const fans = testRows((u) => w.truth.userTopConcept[u] === c);
      const res = suppressGenreForUsers(
        w.model,
        w.sae,
        { rows: w.split.test.foldIn.gatherRows(fans) },
        { neurons, genreItems: conceptItems(w, c), n: 20 },
      );
      expect(res.shareBefore.mean).toBeGreaterThan(0.6);
      expect(res.shareAfter.mean).toBeLessThan(res.shareBefore.mean - 0.2);
      const none = suppressGenreForUsers(
        w.model,
        w.sae,
        { rows: w.split.test.foldIn.gatherRows(fans) },
        { neurons, genreItems: conceptItems(w, c), n: 20, factor: 1 },
      );
      expect(Array.from(none.perUserAfter)).toEqual(Array.from(res.perUserBefore));
    }
  });

  it("trade-off: the planted mapping raises the segment share, a wrong mapping lowers it; alpha 0 is the original model", () => {
    const genre = w.dataset.concepts.find((f) => f.kind === "genre")?.matrix;
    if (!genre) throw new Error("synthetic data without genres");
    const shifted = Int32Array.from(w.conceptNeuron, (_, c) => w.conceptNeuron[(c + 1) % CONCEPTS]);
    const partial = Int32Array.from(w.conceptNeuron, (j, c) => (c === 3 ? -1 : j));
    const rep = evaluateTradeoff(w.model, w.sae, w.split.test, genre, [
      { name: "planted", tagToNeuron: w.conceptNeuron },
      { name: "shifted", tagToNeuron: shifted },
      { name: "partial", tagToNeuron: partial },
    ]);
    const [planted, wrong, part] = rep.curves;
    expect(rep.skippedNoSegment).toBe(0);
    expect(planted.users).toBe(w.split.test.users.length);
    const segs = targetSegments(w.split.test.foldIn, w.split.test.target, genre);
    expect(part.skippedUnmapped).toBe(segs.filter((t) => t === 3).length);
    expect(part.users + part.skippedUnmapped).toBe(planted.users);
    // alpha 0: both full mappings see the original model on the same users
    expect(planted.points[0]).toEqual(wrong.points[0]);
    const ref = evaluateRanking(
      w.split.test.target,
      (s, e) => w.model.scoreUsers({ rows: w.split.test.foldIn.rowRange(s, e) }),
      {
        ks: [20],
        exclude: w.split.test.foldIn,
        fullRanking: false,
      },
    );
    expect(planted.points[0].recall.mean).toBeCloseTo(ref.metrics["recall_trunc@20"].mean, 12);
    const share = (c: typeof planted, a: number): number => c.points[a].segmentShare.mean;
    for (let a = 1; a < rep.alphas.length; a++)
      expect(share(planted, a)).toBeGreaterThan(share(planted, a - 1));
    expect(share(planted, 5) - share(planted, 0)).toBeGreaterThan(0.1);
    expect(share(wrong, 5)).toBeLessThan(share(wrong, 0) - 0.2);
    expect(wrong.points[5].recall.mean).toBeLessThan(planted.points[5].recall.mean - 0.1);

    const table = tradeoffTable(rep);
    expect(table.length).toBe(3 * 6);
    expect(table[7]).toEqual({
      mapping: "shifted",
      alpha: 0.05,
      users: wrong.users,
      recall: wrong.points[1].recall.mean,
      recallStderr: wrong.points[1].recall.stderr,
      segmentShare: wrong.points[1].segmentShare.mean,
      segmentShareStderr: wrong.points[1].segmentShare.stderr,
    });
    const svg = tradeoffSvg(rep);
    expect(svg.match(/<path class="series"/g)?.length).toBe(6);
    expect(svg).toContain("Recall_trunc@20");
  });
});

describe("item promotion", () => {
  for (const kind of ["elsa", "mf"] as const) {
    it(`${kind}: a tail item of concept c reaches more users' top-20 as c's latent is raised`, async () => {
      const world = kind === "elsa" ? w : await plantedWorld({ model: "mf", saeOn: "items" });
      const c = 2;
      const tail = conceptItems(world, c).sort(
        (a, b) => world.truth.itemWeight[a] - world.truth.itemWeight[b],
      )[0];
      const users = trainingBatch(world.split.train);
      const strengths = [0, 0.5, 1, 2, 4, 8];
      const res = promoteItem(world.model, world.sae, users, {
        item: tail,
        neuron: world.conceptNeuron[c],
        strengths,
        n: 20,
      });
      const [zero] = res.points;
      expect(Array.from(zero.ranks)).toEqual(Array.from(res.baselineRanks));
      expect(zero.usersInTopN).toBe(res.baselineInTopN);
      for (let q = 1; q < strengths.length; q++)
        expect(res.points[q].usersInTopN).toBeGreaterThanOrEqual(res.points[q - 1].usersInTopN);
      expect(res.points[5].usersInTopN).toBeGreaterThan(2 * res.baselineInTopN);
      // each user's rank moves one way only as the strength grows (the score shift is linear in s)
      for (let u = 0; u < users.rows.rows; u++) {
        const seq = res.points.map((p) => p.ranks[u]);
        const up = seq.every((r, q) => q === 0 || r <= seq[q - 1]);
        const down = seq.every((r, q) => q === 0 || r >= seq[q - 1]);
        expect(up || down).toBe(true);
      }
      // ... because v' - v = s * (fixed direction)
      const v = (world.model.encodeItems as () => { row(i: number): Float32Array })
        .call(world.model)
        .row(tail);
      const d1 = res.points[2].itemVector.map((x, k) => x - v[k]);
      const d4 = res.points[4].itemVector.map((x, k) => x - v[k]);
      d1.forEach((x, k) => expect(d4[k]).toBeCloseTo(4 * x, 4));
      // it reaches the users who like c far more than the others
      const isFan = (r: number): boolean => world.truth.userMixtures.get(world.split.trainUsers[r], c) > 0;
      for (const p of res.points.slice(1)) {
        const rate = [0, 0, 0, 0]; // fan hits, fans, other hits, others
        for (let r = 0; r < users.rows.rows; r++) {
          if (p.ranks[r] === 0) continue;
          const g = isFan(r) ? 0 : 2;
          rate[g] += p.ranks[r] <= 20 ? 1 : 0;
          rate[g + 1]++;
        }
        expect(rate[0] / rate[1]).toBeGreaterThan(0.8);
        expect(rate[0] / rate[1] - rate[2] / rate[3]).toBeGreaterThan(0.3);
      }
    });
  }

  it("rejects models without item vectors and bad arguments", () => {
    const noItems = { ...w.model, encodeItems: undefined, name: "ease" };
    expect(() =>
      promoteItem(noItems, w.sae, trainingBatch(w.split.train), { item: 0, neuron: 0, strengths: [1], n: 5 }),
    ).toThrow(/model "ease" has no item vectors/);
    expect(() =>
      promoteItem(w.model, w.sae, trainingBatch(w.split.train), {
        item: 999,
        neuron: 0,
        strengths: [1],
        n: 5,
      }),
    ).toThrow(/item 999 is not in \[0, 120\)/);
    expect(() =>
      promoteItem(w.model, w.sae, trainingBatch(w.split.train), {
        item: 0,
        neuron: 0,
        strengths: [-1],
        n: 5,
      }),
    ).toThrow(/strengths\[0\] must be a finite number >= 0, got -1/);
  });
});
