import type { Command } from "commander";
import { DEFAULT_PORT } from "../serve/api.js";
import { checkPortFree } from "../serve/port-check.js";
import { loadWorkspace } from "../serve/run-loader.js";
import { demoSummaryLines, runDemo } from "../pipeline/demo.js";
import { portArg, positiveIntArg } from "./args.js";
import { serveWorkspace } from "./serve.js";

interface DemoCliOptions {
  dataset?: string;
  out: string;
  seed: number;
  dim: number;
  k: number;
  expansion: number;
  serve: boolean;
  host: string;
  port: number;
}

/**
 * `reclens demo`: the main job. Planted synthetic data (or --dataset), ELSA, a TopK SAE, neuron
 * labels, a summary table, then the control panel (unless --no-serve).
 */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("train ELSA + a TopK SAE, label the neurons, print a summary and serve the control panel")
    .option("--dataset <name|path>", "dataset to use instead of the planted synthetic one")
    .option("--out <dir>", "run directory to write", "runs/demo")
    .option("--seed <n>", "random seed", positiveIntArg, 42)
    .option("--dim <n>", "ELSA width (probing site)", positiveIntArg, 64)
    .option("--k <n>", "active SAE latents per user", positiveIntArg, 8)
    .option("--expansion <n>", "SAE latents per input dimension", positiveIntArg, 4)
    .option("--no-serve", "stop after the summary")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--port <port>", "port (0 picks a free one)", portArg, DEFAULT_PORT)
    .action(async (o: DemoCliOptions) => {
      const quiet = Boolean(process.env.CI) || !process.stdout.isTTY;
      if (o.serve) await checkPortFree(o.host, o.port); // a busy port fails now, not after training
      const summary = await runDemo({
        ...(o.dataset ? { dataset: o.dataset } : {}),
        out: o.out,
        seed: o.seed,
        dim: o.dim,
        modelEpochs: 20,
        sae: { architecture: "topk", k: o.k, expansion: o.expansion, loss: "cosine", epochs: 30 },
        log: (line) => {
          if (!quiet || !/ epoch /.test(line)) console.log(line);
        },
      });
      console.log("");
      for (const line of demoSummaryLines(summary)) console.log(line);
      console.log(`\nrun directory: ${summary.runDir}`);
      if (!o.serve) return;
      await serveWorkspace(await loadWorkspace(summary.runDir), o.host, o.port);
    });
}
