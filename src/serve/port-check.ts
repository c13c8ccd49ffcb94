import { createServer } from "node:net";

/**
 * Resolves when `host:port` can be bound (it is bound and released at once), rejects with a clear
 * message when it cannot (e.g. the port is in use). Port 0 always succeeds. Used before long work
 * whose end is serving, so a busy port is reported before training, not after.
 */
export function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => {
      const why = err.code === "EADDRINUSE" ? "is already in use" : `cannot be bound (${err.message})`;
      reject(new Error(`${host}:${port} ${why}; pick another with --port (0 picks a free one)`));
    });
    probe.listen(port, host, () => probe.close(() => resolvePort()));
  });
}
