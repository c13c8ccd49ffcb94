import { describe, expect, it } from "vitest";
import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { labelQuality } from "./label-quality.js";
import { labelNeurons, toLabelsDoc } from "./labeller.js";
import { validateLabels } from "./labels.js";
import { DEFAULT_QUALIFIERS, labelQualifiers } from "./distinct-labels.js";
import { chooseConcept, DEFAULT_CONCEPT_CHOICE, topItemShares } from "./main-concept.js";
import { conceptBaseRates } from "./purity.js";
import {
  BROAD_TAG_KIND,
  broadTagConcepts,
  normaliseTag,
  TAG_GROUP_KIND,
  tagGroupConcepts,
  withTagGroups,
} from "./tag-groups.js";

function family(kind: string, names: string[], items: number, members: number[][]): ItemConcepts {
  const rows: number[] = [];
  const cols: number[] = [];
  members.forEach((list, t) =>
    list.forEach((i) => {
      rows.push(i);
      cols.push(t);
    }),
  );
  return { kind, names, matrix: Csr.fromTriplets(items, names.length, rows, cols) };
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, k) => a + k);

/**
 * 24 items, 10 tags (item sets):
 * - rock 0-9 (10); classic rock {0, 1}: containment 1 but Jaccard 2/10 = 0.2 -> stays apart;
 * - alternative {6-9, 20-22} (7): with rock |∩| 4, |∪| 13, Jaccard 0.31 but containment 4/7 = 0.57
 *   -> stays apart (co-occurring, not a synonym);
 * - "Hip-Hop" {10, 11, 12} and "hip hop" {12, 13} share the spelling "hiphop": class {10-13} (4);
 *   rap {10, 11, 12, 14} (4) against that class: |∩| 3, |∪| 5, Jaccard 0.6, containment 0.75 -> joins;
 *   group {10-14}, named after its most used member, rap (4 items);
 * - punk {15-18}, punk rock {16-19}: Jaccard 3/5, containment 3/4 -> group {15-19}, "punk" (tie with
 *   punk rock at 4 items: the lower column);
 * - pop punk {18, 19}: with punk rock Jaccard 0.5, containment 1, but punk rock is not a group head;
 *   with the head punk |∩| 1, Jaccard 0.2 -> stays apart (a star, not a chain);
 * - unused: no item.
 */
function tags(): ItemConcepts {
  return family(
    "tag",
    [
      "rock",
      "Hip-Hop",
      "hip hop",
      "rap",
      "alternative",
      "punk",
      "punk rock",
      "classic rock",
      "pop punk",
      "unused",
    ],
    24,
    [
      range(0, 9),
      [10, 11, 12],
      [12, 13],
      [10, 11, 12, 14],
      [6, 7, 8, 9, 20, 21, 22],
      range(15, 18),
      range(16, 19),
      [0, 1],
      [18, 19],
      [],
    ],
  );
}

function itemsOf(m: Csr, col: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m.rows; i++)
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++)
      if (m.indices[p] === col && m.values[p] > 0) out.push(i);
  return out;
}

describe("normaliseTag", () => {
  it("folds case, diacritics, punctuation and spacing, and reads & as and", () => {
    expect(["Hip-Hop", "hip hop", "hiphop", "HIP_HOP"].map(normaliseTag)).toEqual([
      "hiphop",
      "hiphop",
      "hiphop",
      "hiphop",
    ]);
    expect(normaliseTag("Rock & Roll")).toBe("rockandroll");
    expect(normaliseTag("1970's")).toBe("1970s");
    expect(normaliseTag("Música Popular")).toBe("musicapopular");
    expect(normaliseTag("punk rock")).not.toBe(normaliseTag("punk"));
  });
});

describe("tagGroupConcepts", () => {
  it("groups by spelling and by item overlap with the head only, and names groups after their most used tag", () => {
    const g = tagGroupConcepts(tags());
    expect(g).not.toBeNull();
    if (!g) return;
    expect(g.kind).toBe(TAG_GROUP_KIND);
    // both groups hold 5 items; ties go to the head tag's column (Hip-Hop 1 < punk 5)
    expect(g.names).toEqual(["rap", "punk"]);
    expect(g.members).toEqual([
      ["rap", "Hip-Hop", "hip hop"],
      ["punk", "punk rock"],
    ]);
    expect(itemsOf(g.matrix, 0)).toEqual([10, 11, 12, 13, 14]);
    expect(itemsOf(g.matrix, 1)).toEqual([15, 16, 17, 18, 19]);
    expect(g.matrix.rows).toBe(24);
    expect([...g.matrix.values].every((v) => v === 1)).toBe(true);
  });

  it("without spelling merges, Hip-Hop joins rap by usage and hip hop stays alone", () => {
    // rap (4 items) now heads before Hip-Hop (3): |∩| 3, Jaccard 3/4, containment 1; hip hop vs rap: 1/5.
    // The rap group covers {10, 11, 12, 14} (4 items), punk's {15-19} (5): punk comes first
    const g = tagGroupConcepts(tags(), { normalise: false });
    expect(g?.members).toEqual([
      ["punk", "punk rock"],
      ["rap", "Hip-Hop"],
    ]);
  });

  it("follows the thresholds: containment 0.5 lets alternative join rock, Jaccard above 0.6 merges spellings only", () => {
    const loose = tagGroupConcepts(tags(), { minContainment: 0.5 });
    expect(loose?.members[0]).toEqual(["rock", "alternative"]);
    expect(itemsOf(loose?.matrix as Csr, 0)).toEqual([...range(0, 9), 20, 21, 22]);
    const strict = tagGroupConcepts(tags(), { minJaccard: 0.61 });
    expect(strict?.members).toEqual([["Hip-Hop", "hip hop"]]);
    expect(tagGroupConcepts(tags(), { normalise: false, minJaccard: 2 })).toBeNull();
    expect(() => tagGroupConcepts(tags(), { minJaccard: 0 })).toThrow(/minJaccard/);
  });

  it("withTagGroups puts the group family right after the tag family, and leaves families without tags alone", () => {
    const genre = family("genre", ["Drama"], 24, [[0]]);
    // tags() has no head-word pair ("punk rock", "classic rock" end in "rock", a tag: one broad tag)
    expect(withTagGroups([genre, tags(), genre]).map((f) => f.kind)).toEqual([
      "genre",
      "tag",
      TAG_GROUP_KIND,
      BROAD_TAG_KIND,
      "genre",
    ]);
    expect(withTagGroups([genre, tags(), genre], { broad: false }).map((f) => f.kind)).toEqual([
      "genre",
      "tag",
      TAG_GROUP_KIND,
      "genre",
    ]);
    expect(withTagGroups([genre, tags()], false).map((f) => f.kind)).toEqual(["genre", "tag"]);
    expect(withTagGroups([genre]).map((f) => f.kind)).toEqual(["genre"]);
  });
});

describe("tag groups in the labeller", () => {
  /**
   * Neuron 0 fires on items 10-14 (activation 2) and 0-1 (1): 7 items, so purity over 7. Tags: rap
   * 4/7 = 0.571, Hip-Hop 3/7, rock 2/7: no tag reaches 0.6, the label does not agree (fallback rap,
   * excess 4/7 - 4/24 = 0.405). The tag group rap covers 10-14: purity 5/7 = 0.714, base rate 5/24,
   * excess 0.506 >= 0.2 -> "semantic" rule, agrees. Neuron 1 fires on 15-19: the tag punk holds 4/5
   * = 0.8 (excess 0.8 - 4/24 = 0.633), the group punk 5/5 = 1 (excess 1 - 5/24 = 0.792): the group wins.
   */
  function z(): Matrix {
    const m = new Matrix(24, 2);
    for (const i of range(10, 14)) m.set(i, 0, 2);
    for (const i of [0, 1]) m.set(i, 0, 1);
    for (const i of range(15, 19)) m.set(i, 1, 1);
    return m;
  }

  it("labels with a group when no single tag holds, and agreement counts the group's purity", () => {
    const families = [tags()];
    const off = labelNeurons(z(), families, { minSupport: 1 });
    expect(off.labels.map((l) => [l.label, l.concept?.kind, l.rule, l.agrees])).toEqual([
      ["rap", "tag", "fallback", false],
      ["punk", "tag", "semantic", true],
    ]);
    expect(off.labels[0].scores.excessPurity).toBeCloseTo(4 / 7 - 4 / 24, 10);

    const on = labelNeurons(z(), families, { minSupport: 1, tagGroups: { broad: false } });
    expect(on.families.map((a) => a.family.kind)).toEqual(["tag", TAG_GROUP_KIND]);
    expect(on.labels.map((l) => [l.label, l.concept?.kind, l.rule, l.agrees])).toEqual([
      ["rap", TAG_GROUP_KIND, "semantic", true],
      ["punk", TAG_GROUP_KIND, "semantic", true],
    ]);
    expect(on.labels[0].scores["purity@10"]).toBeUndefined(); // support 7 < 10
    expect(on.labels[0].scores.baseRate).toBeCloseTo(5 / 24, 10);
    expect(on.labels[0].scores.excessPurity).toBeCloseTo(5 / 7 - 5 / 24, 10);
    expect(on.labels[1].scores.excessPurity).toBeCloseTo(1 - 5 / 24, 10);
    const group = on.families[1].family;
    expect(topItemShares(on.top, group, 0, 10).get(0)).toBeCloseTo(5 / 7, 10);

    const docOff = toLabelsDoc(off, undefined, new Date(0), 1);
    const docOn = toLabelsDoc(on, undefined, new Date(0), 1);
    expect(labelQuality(docOff, off.activity.live, off.top, off.families).agreeing).toBe(1);
    const q = labelQuality(docOn, on.activity.live, on.top, on.families);
    expect([q.agreeing, q.agreeingShare, q.byKind]).toEqual([2, 1, { [TAG_GROUP_KIND]: 2 }]);
    // the knobs list each group's members; the document validates
    const knob = docOn.concepts?.find((c) => c.kind === TAG_GROUP_KIND && c.name === "rap");
    expect(knob?.members).toEqual(["rap", "Hip-Hop", "hip hop"]);
    expect(docOn.concepts?.find((c) => c.kind === "tag" && c.name === "rap")?.members).toBeUndefined();
    expect(() => validateLabels(JSON.parse(JSON.stringify(docOn)), "labels.json")).not.toThrow();
  });
});

/**
 * 24 items (12-23 untagged). metal {0, 1, 2}, death metal {2, 3}, "Melodic Death-Metal" {4}, rock
 * {5-8}, indie rock {8, 9}, rock n roll {10}, post-punk {11} (no "punk" tag: no head). Broad tags:
 * "metal (all)" {0-4} (members metal, death metal, Melodic Death-Metal; base rate 5/24) and
 * "rock (all)" {5-9} (rock, indie rock); "rock n roll" ends in "roll", not a kind of rock.
 */
function styles(): ItemConcepts {
  return family(
    "tag",
    ["metal", "death metal", "Melodic Death-Metal", "rock", "indie rock", "rock n roll", "post-punk"],
    24,
    [[0, 1, 2], [2, 3], [4], [5, 6, 7, 8], [8, 9], [10], [11]],
  );
}

describe("broad tags", () => {
  it("groups each one-word tag with the tags ending in it", () => {
    const b = broadTagConcepts(styles());
    expect(b?.kind).toBe(BROAD_TAG_KIND);
    // 5 items each: ties go to the head's column (metal 0 < rock 3)
    expect(b?.names).toEqual(["metal (all)", "rock (all)"]);
    expect(b?.members).toEqual([
      ["metal", "death metal", "Melodic Death-Metal"],
      ["rock", "indie rock"],
    ]);
    expect(itemsOf(b?.matrix as Csr, 0)).toEqual([0, 1, 2, 3, 4]);
    expect(itemsOf(b?.matrix as Csr, 1)).toEqual([5, 6, 7, 8, 9]);
    expect(broadTagConcepts(family("tag", ["post-punk", "rock"], 3, [[0], [1]]))).toBeNull();
  });

  /**
   * Neuron 0 fires on 0-4 (5 items): metal 3/5 = 0.6, excess 0.6 - 3/24 = 0.475, selective; metal
   * (all) 5/5 has the larger excess (1 - 5/24) but a specific concept comes first: "metal". Neuron 1
   * fires on 2, 3, 4, 9, 10: no tag reaches 0.6 (death metal 2/5); metal (all) 3/5 = 0.6, excess
   * 0.6 - 5/24 = 0.392 -> rule "broad", agrees. Its qualifier candidate death metal (0.4, excess
   * 0.4 - 2/24 = 0.317) is a member of metal (all) and is skipped.
   */
  it("labels with a broad tag only when no specific concept is selective, without member qualifiers", () => {
    const z = new Matrix(24, 2);
    for (const i of [0, 1, 2, 3, 4]) z.set(i, 0, 1);
    for (const i of [2, 3, 4, 9, 10]) z.set(i, 1, 1);
    const r = labelNeurons(z, [styles()], { minSupport: 1, tagGroups: {} });
    expect(r.families.map((a) => a.family.kind)).toEqual(["tag", BROAD_TAG_KIND]);
    expect(r.labels.map((l) => [l.label, l.concept?.kind, l.rule, l.agrees])).toEqual([
      ["metal", "tag", "semantic", true],
      ["metal (all)", BROAD_TAG_KIND, "broad", true],
    ]);
    expect(r.labels[0].scores.excessPurity).toBeCloseTo(0.6 - 3 / 24, 10);
    expect(r.labels[1].scores.excessPurity).toBeCloseTo(0.6 - 5 / 24, 10);

    const families = r.families.map((a) => a.family);
    const choice = chooseConcept(
      r.top,
      families,
      families.map((f) => conceptBaseRates(f.matrix)),
      1,
      DEFAULT_CONCEPT_CHOICE,
    );
    const name = (i: number): string => `item ${i}`;
    const members = ["metal", "death metal", "Melodic Death-Metal"];
    const q = (skip: string[]) =>
      labelQualifiers(1, "metal (all)", choice, families, r.top, undefined, name, DEFAULT_QUALIFIERS, skip)
        .qualifiers;
    expect(q([])).toEqual(["death metal"]);
    expect(q(members)).toEqual([]);
  });
});
