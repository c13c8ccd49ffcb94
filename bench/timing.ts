/**
 * Small timing and reporting helpers for the benchmarks: warm-up plus median of repeats, markdown
 * tables, and replacing one "## Section" of bench/RESULTS.md atomically.
 */
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../src/store/atomic.js";

/** Median and minimum of the timed repeats, in milliseconds. */
export interface Timing {
  medianMs: number;
  minMs: number;
  samples: number[];
}

/** Runs `fn` `warmup` times untimed, then `repeats` times timed. */
export function timeIt(fn: () => void, warmup: number, repeats: number): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return { medianMs: median(samples), minMs: Math.min(...samples), samples };
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** A markdown table (also readable as plain text). */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, j) => c.padEnd(widths[j])).join(" | ")} |`;
  return [line(headers), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/**
 * Replaces the section starting at the line `## <title>` (up to the next `## ` heading) in the
 * markdown file `path`, or appends it; creates the file with a `# Benchmark results` header if absent.
 */
export function writeResultsSection(path: string, title: string, body: string): void {
  const heading = `## ${title}`;
  const old = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmark results\n";
  const lines = old.split("\n");
  const start = lines.findIndex((l) => l.trim() === heading);
  const section = [heading, "", body.trimEnd(), ""];
  if (start < 0) {
    const base = old.endsWith("\n") ? old : `${old}\n`;
    writeFileAtomic(path, `${base}\n${section.join("\n")}`);
    return;
  }
  let end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
  if (end < 0) end = lines.length;
  const next = [...lines.slice(0, start), ...section, ...lines.slice(end)];
  writeFileAtomic(path, next.join("\n").replace(/\n{3,}/g, "\n\n"));
}
