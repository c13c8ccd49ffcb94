import { Command } from "commander";
import { registerData } from "./data.js";
import { registerDemo } from "./demo.js";
import { registerEval } from "./eval.js";
import { registerInfo } from "./info.js";
import { registerLabel } from "./label.js";
import { registerNeurons } from "./neurons.js";
import { registerPromote } from "./promote.js";
import { registerRecommend } from "./recommend.js";
import { registerSae } from "./sae.js";
import { registerServe } from "./serve.js";
import { registerSteerEval } from "./steer-eval.js";
import { registerTrain } from "./train.js";
import { packageVersion } from "./version.js";

/** Builds the `reclens` command tree; each command lives in its own file and registers itself here. */
export function buildProgram(): Command {
  const program = new Command("reclens")
    .description("interpretable, steerable recommender systems with sparse autoencoders")
    .version(packageVersion());
  registerDemo(program);
  registerInfo(program);
  registerData(program);
  registerTrain(program);
  registerEval(program);
  registerSae(program);
  registerLabel(program);
  registerNeurons(program);
  registerRecommend(program);
  registerPromote(program);
  registerSteerEval(program);
  registerServe(program);
  return program;
}
