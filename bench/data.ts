/**
 * Data-layer benchmark (not a test): `npm run bench:data [-- --data-dir DIR] [-- --synthetic N] [-- --write]`.
 *
 * For each local dataset (default folder ../shared/data beside the repository, or $RECLENS_BENCH_DATA): parse time
 * (loader + processing, cache off), cached reload time (binary cache), and users / items /
 * interactions / density as read and after binarisation (ratings >= 4, play counts > 0). Folders whose
 * interaction file is missing are listed with the reason. --synthetic N also times a generated
 * MovieLens-CSV ratings file of N lines (streaming throughput). --write replaces the "Data loading"
 * section of bench/RESULTS.md.
 */
import { once } from "node:events";
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadDatasetWithReport, loadRawDataset, resolveSource } from "../src/data/load.js";
import { forEachLine } from "../src/data/loaders/text-lines.js";
import type { StageCounts } from "../src/data/interactions.js";
import { markdownTable, median, writeResultsSection } from "./timing.js";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : undefined;
};
const dataDir =
  flag("--data-dir") ??
  process.env.RECLENS_BENCH_DATA ??
  fileURLToPath(new URL("../../shared/data", import.meta.url));
const synthetic = Number(flag("--synthetic") ?? 0);
const PARSE_REPEATS = 3;
const RELOAD_REPEATS = 7;

interface Row {
  name: string;
  format: string;
  parseMs: number;
  reloadMs: number;
  cacheBytes: number;
  raw: StageCounts;
  binarised: StageCounts;
  /** Data lines of the interaction file (lines starting with a digit) and item records found. */
  fileLines: number;
  itemRecords: number;
}

async function dataLines(file: string): Promise<number> {
  let n = 0;
  await forEachLine(file, (line) => {
    const c = line.charCodeAt(0);
    if (c >= 48 && c <= 57) n++;
  });
  return n;
}

const int = (n: number): string => n.toLocaleString("en-US");
const density = (s: StageCounts): string => `${((100 * s.interactions) / (s.users * s.items)).toFixed(3)}%`;

async function timeAsync(fn: () => Promise<unknown>, repeats: number): Promise<number> {
  await fn(); // warm-up (JIT, file cache)
  const samples: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

async function bench(path: string, cacheDir: string): Promise<Row> {
  const src = resolveSource(path);
  const fileLines = await dataLines(src.loader.files(src.path, {}).read[0]);
  const itemRecords = (await loadRawDataset(path)).items.byId.size;
  const parseMs = await timeAsync(() => loadDatasetWithReport(path, { cache: false }), PARSE_REPEATS);
  const first = await loadDatasetWithReport(path, { cacheDir });
  if (first.cacheHit) throw new Error(`unexpected cache hit for ${path}`);
  const reloadMs = await timeAsync(async () => {
    const r = await loadDatasetWithReport(path, { cacheDir });
    if (!r.cacheHit) throw new Error(`cache miss on reload of ${path}`);
  }, RELOAD_REPEATS);
  return {
    name: first.dataset.name,
    format: first.format,
    parseMs,
    reloadMs,
    cacheBytes: statSync(first.cachePath as string).size,
    raw: first.report.raw,
    binarised: first.report.binarised,
    fileLines,
    itemRecords,
  };
}

/** Writes a MovieLens-CSV folder with `lines` random ratings, grouped by user like the real files. */
async function syntheticFolder(lines: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "reclens-bench-ml-"));
  writeFileSync(join(dir, "movies.csv"), "movieId,title,genres\n1,A (1999),Drama\n");
  const out = createWriteStream(join(dir, "ratings.csv"));
  out.write("userId,movieId,rating,timestamp\n");
  let seed = 12345;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x80000000;
  let user = 1;
  let chunk = "";
  for (let k = 0; k < lines; k++) {
    if (rand() < 1 / 150) user++;
    chunk += `${user},${1 + Math.floor(rand() * 60000)},${(1 + Math.floor(rand() * 10)) / 2},${1e9 + k}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  out.end(chunk);
  await once(out, "finish");
  return dir;
}

async function main(): Promise<void> {
  const cacheDir = mkdtempSync(join(tmpdir(), "reclens-bench-cache-"));
  const rows: Row[] = [];
  const skipped: string[] = [];
  try {
    for (const name of ["ml-latest-small", "ml-100k-recbole", "lastfm-2k", "ml-1m"]) {
      const path = join(dataDir, name);
      let src;
      try {
        src = resolveSource(path);
      } catch (err) {
        skipped.push(`${name}: ${(err as Error).message}`);
        continue;
      }
      const files = src.loader.files(src.path, {});
      if (files.missing.length) {
        skipped.push(`${name}: ${files.missing.join(", ")} missing (interactions unavailable)`);
        continue;
      }
      rows.push(await bench(path, cacheDir));
    }
    if (synthetic > 0) {
      const dir = await syntheticFolder(synthetic);
      try {
        const r = await bench(dir, cacheDir);
        rows.push({ ...r, name: `synthetic ${int(synthetic)} lines` });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }

  const timing = markdownTable(
    ["dataset", "format", "parse + process (ms)", "cached reload (ms)", "speed-up", "cache file (MB)"],
    rows.map((r) => [
      r.name,
      r.format,
      r.parseMs.toFixed(0),
      r.reloadMs.toFixed(1),
      `${(r.parseMs / r.reloadMs).toFixed(0)}x`,
      (r.cacheBytes / 1e6).toFixed(2),
    ]),
  );
  const checks = markdownTable(
    ["dataset", "interaction file data lines", "interactions read", "match", "items with metadata records"],
    rows.map((r) => [
      r.name,
      int(r.fileLines),
      int(r.raw.interactions),
      r.fileLines === r.raw.interactions ? "yes" : "NO",
      int(r.itemRecords),
    ]),
  );
  const stats = markdownTable(
    [
      "dataset",
      "users",
      "items",
      "interactions",
      "density",
      "users (bin.)",
      "items (bin.)",
      "interactions (bin.)",
      "density (bin.)",
    ],
    rows.map((r) => [
      r.name,
      int(r.raw.users),
      int(r.raw.items),
      int(r.raw.interactions),
      density(r.raw),
      int(r.binarised.users),
      int(r.binarised.items),
      int(r.binarised.interactions),
      density(r.binarised),
    ]),
  );
  const notes = [
    `Median of ${PARSE_REPEATS} parses (cache off) and ${RELOAD_REPEATS} cached reloads after one warm-up each; node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the end (shared 2-core machine).`,
    "Binarised: ratings >= 4 kept (MovieLens), play counts > 0 kept (Last.FM); no minimum-count filters.",
    ...skipped.map((s) => `Skipped ${s}.`),
  ];
  const body = [timing, "", stats, "", checks, "", ...notes.map((n) => `- ${n}`)].join("\n");
  console.log(body);
  if (args.includes("--write")) {
    writeResultsSection(fileURLToPath(new URL("./RESULTS.md", import.meta.url)), "Data loading", body);
  }
}

await main();
