/**
 * Confidence shares of the concepts of sequences (#14): reads the sequence-concepts.json that
 * `reclens label` wrote for each sequential SAE run and prints, per run, the share of live latents
 * whose built-in confidence is >= 0.8 (unscored latents count as not confident), the mean
 * confidence and the random-window control; writes one grouped histogram of the distributions.
 *
 *   npx tsx bench/recsae-confidence.ts --out /tmp/confidence.svg \
 *     "SASRec Beauty=runs/sasrec/sae-k32/concepts/sequence-concepts.json" "GRU4Rec Beauty=..."
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { SequenceConceptsReport } from "../src/pipeline/sequence-concepts-run.js";
import { groupedHistogramSvg } from "../src/plot/grouped-histogram.js";

const CONFIDENT = 0.8;

function main(argv: string[]): void {
  let out: string | undefined;
  const runs: { name: string; report: SequenceConceptsReport }[] = [];
  for (let a = 0; a < argv.length; a++) {
    if (argv[a] === "--out") {
      out = argv[++a];
      continue;
    }
    const at = argv[a].indexOf("=");
    if (at <= 0) throw new Error(`expected "<name>=<sequence-concepts.json>", got "${argv[a]}"`);
    const file = argv[a].slice(at + 1);
    runs.push({
      name: argv[a].slice(0, at),
      report: JSON.parse(readFileSync(file, "utf8")) as SequenceConceptsReport,
    });
  }
  if (runs.length === 0) throw new Error("no runs given");
  const rows = [
    "| run | live latents | scored | share >= 0.8 (of live) | mean confidence | quartiles | chance mean | chance share >= 0.8 |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const { name, report: r } of runs) {
    const conf = r.latents
      .flatMap((l) => (l.confidence !== undefined ? [l.confidence] : []))
      .sort((x, y) => x - y);
    const q = (p: number): string => (conf.length ? conf[Math.floor(p * (conf.length - 1))].toFixed(3) : "-");
    const confident = conf.filter((c) => c >= CONFIDENT).length;
    rows.push(
      `| ${name} | ${r.live} | ${r.scored} | ${(confident / Math.max(1, r.live)).toFixed(3)} (${confident}) | ${r.meanConfidence.toFixed(3)} | ${q(0.25)} / ${q(0.5)} / ${q(0.75)} | ${r.chance.meanConfidence.toFixed(3)} | ${r.chance.confidentShare.toFixed(3)} |`,
    );
  }
  console.log(rows.join("\n"));
  if (out) {
    writeFileSync(
      out,
      groupedHistogramSvg(
        runs.map(({ name, report }) => ({
          name,
          values: report.latents.flatMap((l) => (l.confidence !== undefined ? [l.confidence] : [])),
        })),
        {
          title: "Built-in confidence of the sequence concepts (live, scored latents)",
          xLabel: "held-out detection accuracy of the TF-IDF keyword detector",
          bins: 20,
          range: [0, 1],
          marker: CONFIDENT,
        },
      ),
    );
    console.log(`wrote ${out}`);
  }
}

main(process.argv.slice(2));
