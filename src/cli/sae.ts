import type { Command } from "commander";
import { registerSaeJoint } from "./arviv.js";
import { registerSaeEval } from "./sae-eval.js";
import { registerSaeSweep } from "./sae-sweep.js";
import { registerSaeTrain } from "./sae-train.js";

/** `reclens sae train|eval|sweep`: sparse autoencoders on a model's probing site. */
export function registerSae(program: Command): void {
  const sae = program
    .command("sae")
    .description("train, evaluate and sweep sparse autoencoders on a model's representations");
  registerSaeTrain(sae);
  registerSaeEval(sae);
  registerSaeSweep(sae);
  registerSaeJoint(sae);
}
