/**
 * SAERec vs SASRec training epoch, side by side (not a test; issue 15's "epoch <= 1.5x SASRec").
 *
 * Both train on the leave-one-out training part of an S3-Rec file (default Amazon Beauty) with the
 * same backbone settings; SAERec adds the intent branches over a real intent library. The figure is
 * CPU seconds of this process per epoch (process.cpuUsage, user + system), because wall time means
 * nothing on a loaded machine; run with RECLENS_THREADS=1 so CPU time is one core's work. Rounds
 * alternate the models so drift hurts both alike.
 *
 *   RECLENS_THREADS=1 npx tsx bench/saerec-epoch.ts --intents /tmp/intents-beauty
 *       [--file ../shared/data/amazon-s3rec/Beauty.txt] [--epochs 2] [--rounds 1]
 *       [--users 0 (all)] [--set fusion=gate] [--models sasrec,saerec]
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadDataset } from "../src/data/load.js";
import { createModel } from "../src/models/index.js";
import { attachIntentLibrary } from "../src/pipeline/saerec-intents.js";
import { resolveSplitSettings, splitForRun } from "../src/pipeline/run-split.js";
import { backendInfo } from "../src/tensor/backend.js";
import { Rng } from "../src/tensor/rng.js";
import { markdownTable } from "./timing.js";

const { values: o } = parseArgs({
  options: {
    file: {
      type: "string",
      default: fileURLToPath(new URL("../../shared/data/amazon-s3rec/Beauty.txt", import.meta.url)),
    },
    intents: { type: "string" },
    epochs: { type: "string", default: "2" },
    rounds: { type: "string", default: "1" },
    users: { type: "string", default: "0" },
    models: { type: "string", default: "sasrec,saerec" },
    set: { type: "string", multiple: true, default: [] },
  },
});
const log = (s: string): void => void process.stderr.write(`${s}\n`);

/** The backbone both models share (SASRec's defaults, as docs/models.md). */
const BACKBONE = { dim: 64, blocks: 2, heads: 1, maxLen: 50, dropout: 0.5, batchSize: 128, lr: 1e-3 };

/** `--set key=value` pairs (numbers parsed) for the SAERec config. */
function extraSettings(sets: readonly string[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new Error(`--set expects key=value, got "${s}"`);
    const v = s.slice(eq + 1);
    out[s.slice(0, eq)] = v !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

const cpuSec = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main(): Promise<void> {
  if (!o.intents) throw new Error("--intents <library dir> is required (e.g. /tmp/intents-beauty)");
  const ds = await loadDataset(o.file, { cache: false });
  const split = splitForRun(ds, resolveSplitSettings(42, { kind: "leaveOneOut" }));
  const limit = Number(o.users);
  const n = limit > 0 ? Math.min(limit, split.train.rows) : split.train.rows;
  const train = n < split.train.rows ? split.train.rowRange(0, n) : split.train;
  const seqs = split.trainSequences?.slice(0, n);
  const epochs = Number(o.epochs);
  const models = o.models.split(",");
  const perModel = new Map<string, number[]>(models.map((m) => [m, []]));
  const extra = extraSettings(o.set);
  for (let r = 0; r < Number(o.rounds); r++) {
    for (const name of models) {
      const config = { ...BACKBONE, epochs, ...(name === "saerec" ? extra : {}) };
      const model = createModel(name, config);
      if (name === "saerec") attachIntentLibrary(model, o.intents, ds);
      let mark = cpuSec();
      const rep = await model.fit(train, {
        rng: new Rng(r + 1),
        sequences: seqs,
        onProgress: (p) => {
          const now = cpuSec();
          perModel.get(name)?.push(now - mark);
          log(
            `${name} round ${r + 1} epoch ${p.epoch}: ${(now - mark).toFixed(1)} CPU s, loss ${p.loss.toFixed(4)}`,
          );
          mark = now;
        },
      });
      log(`${name} round ${r + 1}: ${rep.seconds.toFixed(1)} wall s for ${rep.epochsRun} epochs`);
    }
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const base = mean(perModel.get("sasrec") ?? []);
  const rows = models.map((m) => {
    const xs = perModel.get(m) ?? [];
    return [
      m,
      xs.map((x) => x.toFixed(1)).join(" / "),
      mean(xs).toFixed(1),
      base > 0 ? `${(mean(xs) / base).toFixed(2)}x` : "-",
    ];
  });
  console.log(
    [
      `${new Date().toISOString().slice(0, 10)}: ${o.file.split("/").pop()} leave-one-out training part, ${n} users x ${train.cols} items; ` +
        `library ${o.intents}; backbone ${JSON.stringify(BACKBONE)}; saerec extra ${JSON.stringify(extra)}; ` +
        `backend ${backendInfo().backend}, RECLENS_THREADS=${process.env.RECLENS_THREADS ?? "(unset)"}, load average ${loadavg()[0].toFixed(1)} at the end.`,
      "",
      markdownTable(["model", "CPU s per epoch", "mean", "vs sasrec"], rows),
    ].join("\n"),
  );
}

await main();
