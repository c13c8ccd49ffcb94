import type { Command } from "commander";
import { backendInfo } from "../tensor/backend.js";
import { packageVersion } from "../version.js";

/** `reclens info`: version, kernel backend, thread count and OpenBLAS availability. */
export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("show the version and the numerical backend in use")
    .option("--json", "print machine-readable JSON")
    .action((opts: { json?: boolean }) => {
      const b = backendInfo();
      const report = {
        version: packageVersion(),
        node: process.version,
        backend: b.backend,
        threads: b.threads,
        openblas: b.openblasFound,
        ...(b.notice ? { notice: b.notice } : {}),
      };
      if (opts.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      console.log(`reclens ${report.version} (node ${report.node})`);
      console.log(`kernel backend : ${report.backend}`);
      console.log(`threads        : ${report.threads}`);
      console.log(`OpenBLAS found : ${report.openblas ? "yes" : "no"}`);
      if (b.notice) console.log(`notice         : ${b.notice}`);
    });
}
