import { AsyncLocalStorage } from "node:async_hooks";
import { basename } from "node:path";
import { progressTask, type ProgressOptions, type ProgressTask } from "../store/progress.js";

/**
 * Progress of the text files a dataset load reads, without threading a callback through every
 * loader: `withReadProgress(sink, fn)` runs `fn` with `sink` in async context, and the one line
 * reader all loaders use (loaders/text-lines.ts `forEachLine`) reports each file's bytes and lines
 * to the sink of the load it runs in. Loads outside `withReadProgress` report nothing.
 */
export interface ReadProgressSink {
  /** A file of `totalBytes` bytes starts being read. */
  start(file: string, totalBytes: number): void;
  /** `bytes` of the current file were read so far, `lines` lines emitted. */
  advance(bytes: number, lines: number): void;
  /** The current file was read completely (or reading it failed). */
  end(): void;
}

const current = new AsyncLocalStorage<ReadProgressSink>();

/** Runs `fn` with `sink` receiving the progress of every file read inside it. */
export function withReadProgress<T>(sink: ReadProgressSink, fn: () => Promise<T>): Promise<T> {
  return current.run(sink, fn);
}

/** The sink of the load running now, if any (for the line reader). */
export function readProgressSink(): ReadProgressSink | undefined {
  return current.getStore();
}

/** Megabytes with one decimal. */
function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/**
 * A sink drawing one {@link ProgressTask} per file: `read <file> <bytes>/<total> (pct)  <MB> of
 * <MB> MB, <lines> lines  <elapsed>, ETA <eta>` (store/progress.ts: live on a TTY outside CI only,
 * so piped and CI output stays clean).
 */
export function fileReadProgress(opts: ProgressOptions = {}): ReadProgressSink {
  let task: ProgressTask | undefined;
  let total = 0;
  return {
    start(file, totalBytes) {
      task?.finish();
      total = totalBytes;
      task = progressTask(`read ${basename(file)}`, totalBytes, opts);
    },
    advance(bytes, lines) {
      task?.set(bytes, `${mb(bytes)} of ${mb(total)} MB, ${lines.toLocaleString("en-US")} lines`);
    },
    end() {
      task?.finish();
      task = undefined;
    },
  };
}
