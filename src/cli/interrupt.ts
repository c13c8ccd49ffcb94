/** Exit status of a process ended by SIGINT (128 + 2), as shells report it. */
export const SIGINT_EXIT_CODE = 130;

/**
 * The command line of this process with `add` appended and `drop` removed (for "resume with ..."
 * hints): `reclens <args as given>`, each argument shell-quoted when it needs it.
 */
export function rerunCommand(
  add: readonly string[] = [],
  drop: readonly string[] = [],
  argv = process.argv,
): string {
  const args = argv.slice(2).filter((a) => !drop.includes(a));
  for (const a of add) if (!args.includes(a)) args.push(a);
  const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ["reclens", ...args.map(quote)].join(" ");
}

/**
 * Runs `fn`; a Ctrl-C (SIGINT) meanwhile prints `message()` (what was kept, how to resume) on
 * stderr and exits with status 130 instead of dying silently. Training loops are synchronous
 * within an epoch, so the handler runs at the next epoch (or batch) boundary, after that
 * boundary's checkpoint was written atomically.
 */
export async function withInterruptMessage<T>(message: () => string, fn: () => Promise<T>): Promise<T> {
  const handler = (): void => {
    process.stderr.write(`\n${message()}\n`);
    process.exit(SIGINT_EXIT_CODE);
  };
  process.on("SIGINT", handler);
  try {
    return await fn();
  } finally {
    process.off("SIGINT", handler);
  }
}
