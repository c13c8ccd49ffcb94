import type { Command } from "commander";
import { compareRuns, type CompareRunsResult } from "../pipeline/compare-runs.js";
import { numberArg } from "./args.js";
import { fmtNumber, textTable } from "./pipeline-options.js";

const signed = (v: number): string => `${v >= 0 ? "+" : ""}${fmtNumber(v)}`;

/** The comparison as text: both runs' means, then the paired statistics of B - A. */
export function printComparison(r: CompareRunsResult): void {
  const p = r.paired;
  const s = p.signTest;
  console.log(
    `${r.metric} on ${r.users} ${r.part === "val" ? "validation" : "test"} users (${r.dataset.name}, ${r.split}, full ranking, history excluded)`,
  );
  console.log(
    textTable([
      ["", "run", "model", "seed", "mean", "± se"],
      ["A", r.a.run, r.a.model, String(r.a.seed), fmtNumber(r.a.mean), fmtNumber(r.a.stderr)],
      ["B", r.b.run, r.b.model, String(r.b.seed), fmtNumber(r.b.mean), fmtNumber(r.b.stderr)],
    ]),
  );
  const rel =
    p.relative === null ? "" : ` (${p.relative >= 0 ? "+" : ""}${(100 * p.relative).toFixed(1)}% relative)`;
  console.log(`B - A  ${signed(p.meanDiff)} ± ${fmtNumber(p.stderr)}${rel}`);
  console.log(`${(100 * p.level).toFixed(0)}% CI  [${fmtNumber(p.ci[0])}, ${fmtNumber(p.ci[1])}]`);
  console.log(
    `paired t-test  t = ${fmtNumber(p.tTest.t)}, df = ${p.tTest.df}, p = ${fmtNumber(p.tTest.p)} (two-sided)`,
  );
  console.log(
    `sign test  B better for ${s.wins} users, A for ${s.losses}, ${s.ties} ties; p = ${fmtNumber(s.p)} (${s.method === "exact" ? "exact binomial" : "normal approximation"}, two-sided)`,
  );
}

/**
 * `reclens compare <runA> <runB> [--metric ndcg@10] [--val] [--json]`: a paired comparison of two
 * runs on the same data and split (src/pipeline/compare-runs.ts): per-user metric on the test (or
 * validation) users, each run's mean, the mean difference B - A with its standard error and
 * confidence interval, a paired t-test and a sign test.
 */
export function registerCompare(program: Command): void {
  program
    .command("compare")
    .description("paired comparison of two runs on the same split (per-user metric, t-test, sign test)")
    .argument("<runA>", "run directory A (the baseline)")
    .argument("<runB>", "run directory B (differences are B - A)")
    .option(
      "--metric <name>",
      "per-user metric: ndcg@K, hr@K, recall@K, recall_trunc@K, precision@K, mrr or mpr (default: ndcg@10 for leave-one-out runs, ndcg@20 otherwise)",
    )
    .option("--val", "compare on the validation users instead of the test users")
    .option("--level <x>", "confidence level of the interval (default 0.95)", numberArg)
    .option("--data-dir <dir>", "folder of fetched datasets, if it moved since training")
    .option("--json", "print machine-readable JSON")
    .action(
      async (
        a: string,
        b: string,
        o: { metric?: string; val?: boolean; level?: number; dataDir?: string; json?: boolean },
      ) => {
        const r = await compareRuns(a, b, {
          ...(o.metric !== undefined ? { metric: o.metric } : {}),
          part: o.val ? "val" : "test",
          ...(o.level !== undefined ? { level: o.level } : {}),
          ...(o.dataDir ? { load: { dataDir: o.dataDir } } : {}),
        });
        if (o.json) console.log(JSON.stringify(r, null, 2));
        else printComparison(r);
      },
    );
}
