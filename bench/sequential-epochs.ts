/**
 * Training-epoch benchmark of the sequential and graph recommenders against PyTorch (not a test).
 *
 * SASRec (bench/sasrec-torch.py) and LightGCN (bench/lightgcn-torch.py, torch.sparse) train on the
 * leave-one-out training part of an S3-Rec file (default Amazon Beauty) with the same architecture,
 * loss, batch size and thread count on both sides. Rounds alternate reclens and PyTorch so that a
 * noisy machine hurts both alike; each side's figure is the median epoch over the rounds.
 *
 *   npx tsx bench/sequential-epochs.ts [--file ../shared/data/amazon-s3rec/Beauty.txt]
 *       [--models sasrec,lightgcn] [--threads 1,2] [--rounds 2] [--loss ce] [--write]
 * --write replaces the "Sequential and graph models: training epoch vs PyTorch" section of bench/RESULTS.md.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadDataset } from "../src/data/load.js";
import { createModel } from "../src/models/index.js";
import { resolveSplitSettings, splitForRun } from "../src/pipeline/run-split.js";
import { backendInfo, kernels } from "../src/tensor/backend.js";
import { Rng } from "../src/tensor/rng.js";
import { findTorchPython } from "./kernels-torch.js";
import { markdownTable, median, writeResultsSection } from "./timing.js";

const { values: o } = parseArgs({
  options: {
    file: {
      type: "string",
      default: fileURLToPath(new URL("../../shared/data/amazon-s3rec/Beauty.txt", import.meta.url)),
    },
    models: { type: "string", default: "sasrec,lightgcn" },
    threads: { type: "string", default: "1,2" },
    rounds: { type: "string", default: "2" },
    loss: { type: "string", default: "ce" },
    write: { type: "boolean", default: false },
  },
});
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const rounds = Number(o.rounds);

/** The shared settings of each model: reclens config and the PyTorch request built from it. */
const SETTINGS = {
  sasrec: {
    config: {
      dim: 64,
      blocks: 2,
      heads: 1,
      maxLen: 50,
      dropout: 0.5,
      batchSize: 128,
      lr: 1e-3,
      loss: o.loss,
    },
    torch: { dim: 64, blocks: 2, heads: 1, maxLen: 50, dropout: 0.5, batch: 128, lr: 1e-3, loss: o.loss },
    script: "sasrec-torch.py",
  },
  lightgcn: {
    config: { dim: 64, layers: 3, batchSize: 2048, lr: 1e-3, reg: 1e-4 },
    torch: { dim: 64, layers: 3, batch: 2048, lr: 1e-3, reg: 1e-4 },
    script: "lightgcn-torch.py",
  },
} as const;
type ModelName = keyof typeof SETTINGS;

async function main(): Promise<void> {
  const ds = await loadDataset(o.file, { cache: false });
  const split = splitForRun(ds, resolveSplitSettings(1, { kind: "leaveOneOut" }));
  const py = findTorchPython();
  if (!("python" in py)) throw new Error(`PyTorch side unavailable: ${py.reason}`);
  const tmp = mkdtempSync(join(tmpdir(), "reclens-seq-bench-"));
  const rows: string[][] = [];
  for (const name of o.models.split(",") as ModelName[]) {
    const s = SETTINGS[name];
    if (!s) throw new Error(`--models: unknown model "${name}" (sasrec, lightgcn)`);
    for (const threads of o.threads.split(",").map(Number)) {
      kernels().setThreads(threads);
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const model = createModel(name, { ...s.config, epochs: 1 });
        const rep = await model.fit(split.train, { rng: new Rng(r + 1), sequences: split.trainSequences });
        ours.push(rep.seconds);
        log(
          `${name} ${threads}t reclens epoch ${rep.seconds.toFixed(2)} s (loss ${rep.losses[0].toFixed(4)})`,
        );
        const req = join(tmp, `${name}-${threads}.json`);
        writeFileSync(req, JSON.stringify({ ...s.torch, file: o.file, threads, epochs: 1, seed: r + 1 }));
        const run = spawnSync(py.python, [fileURLToPath(new URL(s.script, import.meta.url)), req], {
          encoding: "utf8",
          env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
        });
        if (run.status !== 0) throw new Error(`${s.script} failed: ${run.stderr}`);
        const t = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as {
          epochSec: number[];
          loss: number;
        };
        theirs.push(t.epochSec[0]);
        log(`${name} ${threads}t PyTorch epoch ${t.epochSec[0].toFixed(2)} s (loss ${t.loss.toFixed(4)})`);
      }
      const a = median(ours);
      const b = median(theirs);
      rows.push([
        name,
        name === "sasrec" ? `loss ${o.loss}` : "BPR",
        String(threads),
        a.toFixed(2),
        b.toFixed(2),
        `${(a / b).toFixed(2)}x`,
      ]);
    }
  }
  const table = markdownTable(
    ["model", "loss", "threads", "reclens s/epoch", "PyTorch s/epoch", "reclens / PyTorch"],
    rows,
  );
  const info = backendInfo();
  const body = [
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npx tsx bench/sequential-epochs.ts\` on ${o.file.split("/").pop()} ` +
      `(leave-one-out training part: ${split.train.rows} users, ${split.train.cols} items, ${split.train.nnz} interactions). ` +
      `Machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at the end; ` +
      `reclens backend ${info.backend}; PyTorch ${py.version}. Median of ${rounds} alternating round(s) per side. ` +
      `Settings on both sides: ${JSON.stringify({ sasrec: SETTINGS.sasrec.torch, lightgcn: SETTINGS.lightgcn.torch })}.`,
    "",
    table,
  ].join("\n");
  console.log(body);
  if (o.write)
    writeResultsSection(
      fileURLToPath(new URL("RESULTS.md", import.meta.url)),
      "Sequential and graph models: training epoch vs PyTorch",
      body,
    );
}

await main();
