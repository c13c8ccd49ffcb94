/**
 * How much a trained SAERec's intents move its rankings: for test users of a saerec run, every
 * item's score is split exactly into a sequence part, one part per retrieved intent and a bias part
 * (explainSaerec), and the ranking with the intent parts removed is compared with the model's own.
 *
 *   npx tsx bench/saerec-intent-share.ts <saerec run> [--users 1000]
 *
 * Per user (the test input: the history without its last item; history items excluded from the
 * lists), over all items: the share of the score variance across items that the intent parts carry
 * (var(intents) / (var(sequence) + var(intents))), the correlation of the two parts, the overlap of
 * the top-10 with and without the intent parts, and whether the test item's rank changes. Printed as
 * means (and medians) over the users, spread evenly over the test users.
 */
import { timeOrderedItems } from "../src/data/splits/index.js";
import { targetRanks } from "../src/eval/fullRank.js";
import { explainSaerec } from "../src/models/saerec-explain.js";
import { SaeRec } from "../src/models/saerec.js";
import { topNUnseen } from "../src/nested/nested-rank.js";
import { openModelRun } from "../src/pipeline/run-context.js";
import { Matrix } from "../src/tensor/matrix.js";

const args = process.argv.slice(2);
const at = args.indexOf("--users");
const wanted = at >= 0 ? Number(args.splice(at, 2)[1]) : 1000;
const dir = args[0];
if (!dir || !(wanted >= 1)) {
  console.error("usage: npx tsx bench/saerec-intent-share.ts <saerec run> [--users 1000]");
  process.exit(2);
}

const ctx = await openModelRun(dir);
const model = ctx.model;
if (!(model instanceof SaeRec) || model.branches.length === 0)
  throw new Error(`${dir}: not a saerec run with intent branches (${model.name})`);
const nItems = model.nItems;
const all = Int32Array.from({ length: nItems }, (_, i) => i);
const testUsers = Array.from(ctx.split.test.users);
const step = Math.max(1, Math.floor(testUsers.length / wanted));
const picked = testUsers.filter((_, q) => q % step === 0).slice(0, wanted);

/** The 10 best items by `score` among those not flagged in `seen` (rowTopK's tie rule). */
function top10(score: Float32Array, seen: Uint8Array): number[] {
  const row = new Matrix(
    1,
    nItems,
    Float32Array.from(score, (v, i) => (seen[i] ? -Infinity : v)),
  );
  const lists = topNUnseen(row, null, 10);
  return Array.from(lists.indices.subarray(0, lists.lengths[0]));
}
const variance = (x: Float64Array): number => {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let s = 0;
  for (const v of x) s += (v - m) ** 2;
  return s / x.length;
};

const shares: number[] = [];
const corrs: number[] = [];
const overlaps: number[] = [];
let rankChanged = 0;
let hitsWith = 0;
let hitsWithout = 0;
for (const u of picked) {
  const full = timeOrderedItems(ctx.dataset, u);
  const input = full.subarray(0, full.length - 1);
  const target = full[full.length - 1];
  const ex = explainSaerec(model, input, { items: all });
  const seq = new Float64Array(nItems);
  const intents = new Float64Array(nItems);
  const score = new Float32Array(nItems);
  for (const it of ex.items) {
    seq[it.item] = it.sequence + it.bias;
    let s = 0;
    for (const part of it.intents) s += part.score;
    intents[it.item] = s;
    score[it.item] = it.score;
  }
  const vs = variance(seq);
  const vi = variance(intents);
  shares.push(vi / (vs + vi));
  let cov = 0;
  let ms = 0;
  let mi = 0;
  for (let i = 0; i < nItems; i++) {
    ms += seq[i];
    mi += intents[i];
  }
  ms /= nItems;
  mi /= nItems;
  for (let i = 0; i < nItems; i++) cov += (seq[i] - ms) * (intents[i] - mi);
  corrs.push(cov / nItems / Math.sqrt(vs * vi));
  const seen = new Uint8Array(nItems);
  for (const i of input) seen[i] = 1;
  const withoutIntents = Float32Array.from(seq);
  const a = top10(score, seen);
  const b = new Set(top10(withoutIntents, seen));
  overlaps.push(a.filter((i) => b.has(i)).length / 10);
  if (!seen[target]) {
    const r1 = targetRanks(score, [target], seen)[0];
    const r0 = targetRanks(withoutIntents, [target], seen)[0];
    if (r1 !== r0) rankChanged++;
    if (r1 <= 10) hitsWith++;
    if (r0 <= 10) hitsWithout++;
  }
}

const mean = (x: number[]): number => x.reduce((s, v) => s + v, 0) / x.length;
const median = (x: number[]): number => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)];
const f = (v: number): string => v.toFixed(3);
console.log(`${dir}: ${picked.length} test users, ${nItems} items, fusion ${model.config.fusion}`);
console.log(
  `share of score variance across items from the intent parts: mean ${f(mean(shares))}, median ${f(median(shares))}`,
);
console.log(`correlation of sequence and intent parts across items: mean ${f(mean(corrs))}`);
console.log(
  `top-10 overlap with / without the intent parts: mean ${f(mean(overlaps))}, median ${f(median(overlaps))}`,
);
console.log(
  `test item rank changed for ${rankChanged} of ${picked.length} users; HR@10 ${f(hitsWith / picked.length)} with, ${f(hitsWithout / picked.length)} without the intent parts`,
);
