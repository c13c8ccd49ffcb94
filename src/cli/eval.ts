import type { Command } from "commander";
import { evaluateRun, flattenReport } from "../pipeline/train-run.js";

/** Parses "10,20,50" into cut-offs. */
function parseKs(v: string): number[] {
  const ks = v.split(",").map((s) => Number(s.trim()));
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1))
    throw new Error(`--ks expects positive integers like 10,20,50, got "${v}"`);
  return ks;
}

/**
 * `reclens eval <run>`: reloads the run's data (checking its fingerprint), rebuilds the split, loads
 * the model and reports Recall/nDCG/HR/precision at each K on the validation and test users.
 */
export function registerEval(program: Command): void {
  program
    .command("eval")
    .description("re-evaluate a trained run directory on its validation and test users")
    .argument("<run>", "run directory written by `reclens train`")
    .option(
      "--ks <list>",
      "cut-offs, comma-separated (default 10,20,50,100; leave-one-out runs 5,10,20, plus MRR)",
    )
    .option("--data-dir <dir>", "folder of fetched datasets, if it moved")
    .option("--json", "print machine-readable JSON")
    .action(async (dir: string, o: { ks?: string; dataDir?: string; json?: boolean }) => {
      const r = await evaluateRun(dir, {
        ...(o.ks !== undefined ? { ks: parseKs(o.ks) } : {}),
        ...(o.dataDir ? { load: { dataDir: o.dataDir } } : {}),
      });
      if (o.json) {
        console.log(
          JSON.stringify(
            {
              run: dir,
              model: r.model.name,
              ...(r.validation ? flattenReport("val", r.validation) : {}),
              ...flattenReport("test", r.test),
            },
            null,
            2,
          ),
        );
        return;
      }
      console.log(`run   ${dir}  (${r.model.name}, ${r.manifest.data.name}, seed ${r.manifest.seed})`);
      for (const [part, rep] of [
        ["val", r.validation],
        ["test", r.test],
      ] as const) {
        if (!rep) continue;
        const mrr = rep.metrics.mrr;
        const mrrText = mrr ? `, MRR ${mrr.mean.toFixed(4)} ± ${mrr.stderr.toFixed(4)}` : "";
        console.log(`${part}: ${rep.users} users${mrrText}`);
        for (const k of rep.ks) {
          const cell = (name: string) =>
            `${name} ${rep.metrics[`${name}@${k}`].mean.toFixed(4)} ± ${rep.metrics[`${name}@${k}`].stderr.toFixed(4)}`;
          console.log(
            `  @${String(k).padEnd(4)} ${["recall", "ndcg", "hr", "precision"].map(cell).join("   ")}`,
          );
        }
      }
    });
}
