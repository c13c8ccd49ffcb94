import type { StageCounts } from "../data/interactions.js";
import type { ProcessReport } from "../data/process.js";
import type { DatasetSummary, MetadataCoverage } from "../data/summary.js";

const int = (n: number): string => n.toLocaleString("en-US");
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** Density of a stage as a percentage with enough digits for very sparse data. */
export function densityOf(s: StageCounts): number {
  return s.users && s.items ? s.interactions / (s.users * s.items) : 0;
}

function stage(label: string, s: StageCounts): string {
  return `${label.padEnd(11)} ${int(s.users).padStart(9)} users ${int(s.items).padStart(9)} items ${int(s.interactions).padStart(12)} interactions  density ${(100 * densityOf(s)).toFixed(3)}%`;
}

/** Lines describing metadata coverage. */
export function coverageLines(c: MetadataCoverage): string[] {
  return [
    `coverage    titles ${pct(c.titles)}, genres ${pct(c.genres)}, tags ${pct(c.tags)}, years ${pct(c.years)}`,
  ];
}

/** Timestamps all below this (about 1970-04-26 in seconds) are taken for sequence positions, not dates. */
const POSITION_LIMIT = 1e7;

/** Human-readable lines for a processed dataset: stages, concepts and coverage. */
export function summaryLines(s: DatasetSummary, r: ProcessReport): string[] {
  const lines = [
    `dataset     ${s.name} (${r.format}) from ${s.source}`,
    stage("raw", r.raw),
    stage("binarised", r.binarised),
    stage("final", r.final),
    `values      ${r.valueKind}${r.duplicatesMerged ? `, ${int(r.duplicatesMerged)} repeated user-item records merged` : ""}`,
  ];
  if (s.timeRange && s.timeRange[0] >= 0 && s.timeRange[1] < POSITION_LIMIT) {
    lines.push(
      `time        order only: positions ${int(s.timeRange[0])} .. ${int(s.timeRange[1])} (no dates)`,
    );
  } else if (s.timeRange) {
    const d = (t: number): string => new Date(t * 1000).toISOString().slice(0, 10);
    lines.push(`time        ${d(s.timeRange[0])} .. ${d(s.timeRange[1])}`);
  }
  for (const c of s.concepts) {
    lines.push(
      `concepts    ${c.kind.padEnd(11)} ${int(c.concepts).padStart(5)} names, on ${pct(c.itemCoverage)} of items`,
    );
  }
  lines.push(...coverageLines(s.coverage));
  for (const [reason, n] of Object.entries(r.skipped ?? {})) lines.push(`skipped     ${int(n)} ${reason}`);
  for (const n of r.notes) lines.push(`note        ${n}`);
  return lines;
}
