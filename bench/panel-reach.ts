/**
 * The panel's server-side work on a real dataset (issue #18): GET /api/health answered while the
 * editor's reach preview runs (time-sliced, src/serve/editor.ts) against the same preview run as one
 * slice (the old blocking behaviour), and a new user's cold start (src/pipeline/cold-start.ts).
 * Usage: RECLENS_THREADS=1 npx tsx bench/panel-reach.ts /work/shared/data/ml-latest-small-2018
 */
import { topItemsOf } from "../src/concepts/activations.js";
import { resolveKnob } from "../src/pipeline/knobs.js";
import { startServer } from "../src/serve/api.js";
import { coldStartForWorkspace } from "../src/serve/cold-start.js";
import { neuronReach } from "../src/serve/editor.js";
import { benchDataset, benchWorkspace } from "./bench-workspace.js";

const source = process.argv[2] ?? "synth";
const data = await benchDataset(source);
const { ws } = await benchWorkspace(data);
const server = await startServer(ws, { port: 0, webRoot: null });

/** Health pings, one after another, while `work` runs: count and latencies (ms). */
async function pingDuring(
  work: Promise<unknown>,
): Promise<{ count: number; max: number; median: number; totalMs: number }> {
  let done = false;
  const t0 = performance.now();
  void work.then(() => (done = true));
  const lat: number[] = [];
  while (!done) {
    const t = performance.now();
    const r = await fetch(`${server.url}/api/health`);
    await r.text();
    lat.push(performance.now() - t);
  }
  await work;
  lat.sort((a, b) => a - b);
  return {
    count: lat.length,
    max: lat.length ? lat[lat.length - 1] : NaN,
    median: lat.length ? lat[lat.length >> 1] : NaN,
    totalMs: performance.now() - t0,
  };
}

let j = 0;
for (let n = 0; n < ws.sae.dSae; n++) if (ws.neurons.firingCount[n] > ws.neurons.firingCount[j]) j = n;
await neuronReach(ws, j, 0.3, 20, 25); // warm-up
const rows: string[] = [];
for (const [name, slice] of [
  ["one slice (blocking, as before)", 100_000],
  ["slices of 16 users (default)", 16],
] as const) {
  for (let rep = 0; rep < 3; rep++) {
    const r = await pingDuring(neuronReach(ws, j, 0.3, 20, 25, { sliceUsers: slice }));
    rows.push(
      `| ${name} | ${rep + 1} | ${r.totalMs.toFixed(0)} | ${r.count} | ${r.median.toFixed(1)} | ${r.max.toFixed(1)} |`,
    );
  }
}
console.log(`dataset ${data.name}: ${data.users.length} users x ${data.items.length} items, neuron #${j}`);
console.log("| reach computed as | rep | reach ms | health answers during it | median ms | max ms |");
console.log("|---|---|---|---|---|---|");
for (const r of rows) console.log(r);

// Cold start: a new user turning one genre knob at strength 1 and 0.3; share of that genre in the
// top 10, for the concept's representative neuron (what "genre:<g>" resolves to) and for the neuron
// whose top-20 items are purest in the genre.
const genres = data.concepts.find((c) => c.kind === "genre");
if (genres) {
  const m = genres.matrix;
  const has = (i: number, c: number): boolean => {
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++)
      if (m.indices[p] === c && m.values[p] > 0) return true;
    return false;
  };
  const share = (j: number, c: number, strength: number): string => {
    const v = coldStartForWorkspace(ws, {
      knobs: [{ neuron: j, strength }],
      n: 10,
      mapping: "representative",
    });
    return (v.items.filter((x) => has(x.item.index, c)).length / 10).toFixed(1);
  };
  console.log(
    "\n| genre | catalogue share | representative neuron (purity@20) | top-10 share s=1 / 0.3 | purest neuron (purity@20) | top-10 share s=1 / 0.3 |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const g of ["Horror", "Animation", "Documentary", "Romance", "Sci-Fi", "Children"]) {
    const c = genres.names.indexOf(g);
    if (c < 0) continue;
    const purity = (j: number): number => {
      const t = topItemsOf(ws.neurons.top, j, 20);
      return t.length ? Array.from(t).filter((i) => has(i, c)).length / t.length : 0;
    };
    let best = 0;
    for (let j = 0; j < ws.sae.dSae; j++) if (purity(j) > purity(best)) best = j;
    let rep = -1;
    try {
      rep = resolveKnob(ws.labels, `genre:${g}`).neurons[0].neuron;
    } catch {
      rep = -1;
    }
    let base = 0;
    for (let i = 0; i < data.items.length; i++) if (has(i, c)) base++;
    const repCells =
      rep >= 0
        ? `#${rep} (${purity(rep).toFixed(2)}) | ${share(rep, c, 1)} / ${share(rep, c, 0.3)}`
        : "none | -";
    console.log(
      `| ${g} | ${(base / data.items.length).toFixed(3)} | ${repCells} | #${best} (${purity(best).toFixed(2)}) | ${share(best, c, 1)} / ${share(best, c, 0.3)} |`,
    );
  }
}
await server.close();
