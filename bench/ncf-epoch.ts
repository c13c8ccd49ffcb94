/**
 * NCF (NeuMF) cost benchmark (not a test): one training epoch and one full-ranking evaluation on
 * the leave-one-out split of an S3-Rec file (default Amazon Beauty), timed separately in CPU time
 * (process.cpuUsage, user + system; the machine is shared, so wall time says little).
 *
 *   RECLENS_THREADS=1 npx tsx bench/ncf-epoch.ts [--file .../Beauty.txt] [--epochs 1]
 *       [--steps fused,tape] [--eval-users 2000] [--label after] [--write]
 *
 * --steps trains once per batch step (Ncf.batchStep: "fused" is the default NcfBatchStep, "tape"
 * the autograd tape it replaced), side by side in one process; the first model trained is then
 * evaluated. --eval-users N scores the first N validation users only (0: all of them) and also
 * reports the cost extrapolated to every user. --write puts the table into bench/RESULTS.md as the
 * section "NCF epoch and full ranking[: label]" (replaced if present, else appended at the end).
 */
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadDataset } from "../src/data/load.js";
import { evaluateHeldOut } from "../src/models/evaluate.js";
import { createModel } from "../src/models/index.js";
import type { Ncf } from "../src/models/ncf.js";
import { resolveSplitSettings, splitForRun } from "../src/pipeline/run-split.js";
import { backendInfo } from "../src/tensor/backend.js";
import { Rng } from "../src/tensor/rng.js";
import { markdownTable, writeResultsSection } from "./timing.js";

const { values: o } = parseArgs({
  options: {
    file: {
      type: "string",
      default: fileURLToPath(new URL("../../shared/data/amazon-s3rec/Beauty.txt", import.meta.url)),
    },
    epochs: { type: "string", default: "1" },
    "eval-users": { type: "string", default: "2000" },
    steps: { type: "string", default: "fused,tape" },
    label: { type: "string", default: "" },
    write: { type: "boolean", default: false },
  },
});
const log = (s: string): void => void process.stderr.write(`${s}\n`);

/** CPU seconds (user + system) spent by `fn`, with its result. */
async function cpuSeconds<T>(fn: () => T | Promise<T>): Promise<{ s: number; wall: number; value: T }> {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { s: (c.user + c.system) / 1e6, wall: (performance.now() - w0) / 1000, value };
}

async function main(): Promise<void> {
  const ds = await loadDataset(o.file, { cache: false });
  const split = splitForRun(ds, resolveSplitSettings(1, { kind: "leaveOneOut" }));
  const epochs = Number(o.epochs);
  const rows: string[][] = [];
  let model: Ncf | undefined;
  // Training: no validation callback, so this is the epoch itself (sampling, batch step, optimisers).
  for (const step of o.steps.split(",") as ("fused" | "tape")[]) {
    if (step !== "fused" && step !== "tape")
      throw new Error(`--steps: unknown batch step "${step}" (fused, tape)`);
    const m = createModel("ncf", { epochs }) as Ncf;
    m.batchStep = step;
    const fit = await cpuSeconds(() => m.fit(split.train, { rng: new Rng(1) }));
    log(
      `train (${step}): ${epochs} epoch(s) ${fit.s.toFixed(2)} CPU-s (${fit.wall.toFixed(1)} s wall), ` +
        `loss ${fit.value.losses.join(", ")}`,
    );
    rows.push([
      `train epoch (${step === "tape" ? "autograd tape, before" : "fused step"})`,
      `${split.train.nnz} positives x 5`,
      (fit.s / epochs).toFixed(2),
      (fit.wall / epochs).toFixed(2),
    ]);
    model ??= m;
  }
  if (!model) throw new Error("--steps: give at least one of fused, tape");
  const trained = model;
  const all = split.validation.users.length;
  const n = Number(o["eval-users"]) > 0 ? Math.min(all, Number(o["eval-users"])) : all;
  const part = {
    foldIn: split.validation.foldIn.rowRange(0, n),
    target: split.validation.target.rowRange(0, n),
    ...(split.validation.userIds ? { userIds: split.validation.userIds.subarray(0, n) } : {}),
  };
  const ev = await cpuSeconds(() => evaluateHeldOut(trained, part, { ks: [10], fullRanking: true }));
  const scale = all / n;
  log(
    `eval: ${n} users x ${split.train.cols} items ${ev.s.toFixed(2)} CPU-s (${ev.wall.toFixed(1)} s wall), ` +
      `ndcg@10 ${ev.value.metrics["ndcg@10"].mean.toFixed(5)}; all ${all} users ~ ${(ev.s * scale).toFixed(1)} CPU-s`,
  );
  rows.push([
    "full ranking (validation users)",
    `${n} users x ${split.train.cols} items`,
    ev.s.toFixed(2),
    ev.wall.toFixed(2),
  ]);
  if (n < all)
    rows.push([
      `  extrapolated to ${all} users`,
      "",
      (ev.s * scale).toFixed(1),
      (ev.wall * scale).toFixed(1),
    ]);
  const info = backendInfo();
  const body = [
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npx tsx bench/ncf-epoch.ts\` on ${o.file.split("/").pop()} ` +
      `(leave-one-out training part: ${split.train.rows} users, ${split.train.cols} items, ${split.train.nnz} interactions), ` +
      `NCF defaults (GMF 32 + MLP 32, layers 64-32-16, batch 1024, 4 negatives). Backend ${info.backend}, ` +
      `${info.threads} BLAS thread(s); ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, load average ` +
      `${loadavg()[0].toFixed(1)} (shared machine: CPU seconds are the figure to compare).`,
    "",
    markdownTable(["what", "size", "CPU s", "wall s"], rows),
  ].join("\n");
  console.log(body);
  if (o.write)
    writeResultsSection(
      fileURLToPath(new URL("RESULTS.md", import.meta.url)),
      `NCF epoch and full ranking${o.label ? `: ${o.label}` : ""}`,
      body,
    );
}

await main();
