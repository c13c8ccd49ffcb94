import { runCli } from "./program.js";

// Exit codes are mapped once, in runCli (docs/errors.md). Success leaves the process to end by
// itself (`reclens serve` keeps listening); a failure exits with its code at once.
void runCli(process.argv).then((code) => {
  if (code !== 0) process.exit(code);
});
