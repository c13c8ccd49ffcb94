import { buildProgram } from "./program.js";

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(`reclens: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
