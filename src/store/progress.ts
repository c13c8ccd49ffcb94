/**
 * The one progress helper of reclens: a self-overwriting status line with a count, a total, the
 * elapsed time and an ETA, drawn only on a TTY outside CI (quiet otherwise), plus permanent log
 * lines. Every long step (model and SAE training, labelling, LLM calls, imports, exports) reports
 * through a {@link ProgressTask}.
 */

/** Minimal writable stream shape the progress line needs (process.stderr satisfies it). */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): boolean;
}

/** When to draw the live line: "auto" (a TTY and CI unset), "always", "never". */
export type ProgressMode = "auto" | "always" | "never";

/** Whether a live progress line should be drawn: a TTY outside CI. */
export function progressWanted(
  stream: ProgressStream,
  env: Record<string, string | undefined> = process.env,
): boolean {
  return stream.isTTY === true && !env.CI;
}

/** Formats seconds as "1h02m", "3m05s" or "42s" ("?" when unknown). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, "0")}s`;
  return `${r}s`;
}

/** Seconds left when `done` of `total` units took `elapsedSec` (NaN when unknown). */
export function etaSeconds(done: number, total: number | undefined, elapsedSec: number): number {
  if (total === undefined || !(done > 0) || !(total >= done)) return NaN;
  return (elapsedSec / done) * (total - done);
}

/** A single self-overwriting status line (carriage return), throttled; silent when disabled. */
export class ProgressLine {
  private last = 0;
  private width = 0;

  /** `enabled` false makes every call a no-op. */
  constructor(
    private readonly stream: ProgressStream,
    private readonly enabled: boolean,
    private readonly minIntervalMs = 100,
  ) {}

  /** Redraws the line with `text` unless the last redraw was under minIntervalMs ago (`force` overrides). */
  update(text: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < this.minIntervalMs) return;
    this.last = now;
    const pad = Math.max(0, this.width - text.length);
    this.width = text.length;
    this.stream.write(`\r${text}${" ".repeat(pad)}`);
  }

  /** Clears the drawn line (so a log line can be written in its place). */
  clear(): void {
    if (!this.enabled || this.width === 0) return;
    this.stream.write(`\r${" ".repeat(this.width)}\r`);
    this.width = 0;
    this.last = 0;
  }

  /** Ends the line (newline) if anything was drawn. */
  done(): void {
    if (this.enabled && this.width > 0) this.stream.write("\n");
    this.width = 0;
  }
}

/** Options of {@link ProgressTask}. */
export interface ProgressOptions {
  /** Where the line goes (default process.stderr). */
  readonly stream?: ProgressStream;
  /** Default "auto". */
  readonly mode?: ProgressMode;
  /** Environment consulted for CI (default process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Clock in milliseconds (tests). */
  readonly now?: () => number;
  /** Least time between redraws (default 100 ms). */
  readonly minIntervalMs?: number;
}

/**
 * Progress of one long step: `label done/total (pct)  detail  elapsed, ETA`. `tick`/`set` redraw
 * the live line (TTY only, throttled), `log` writes a permanent line above it (always, unless the
 * mode is "never"), `finish` ends it. A task without a total shows the count and no ETA.
 */
export class ProgressTask {
  private readonly line: ProgressLine;
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly started: number;
  private readonly logs: boolean;
  private count = 0;
  private detail = "";

  /** Starts the clock of a step of `total` units (undefined: unknown). */
  constructor(
    readonly label: string,
    private total: number | undefined,
    opts: ProgressOptions = {},
  ) {
    this.stream = opts.stream ?? process.stderr;
    const mode = opts.mode ?? "auto";
    const live = mode === "always" || (mode === "auto" && progressWanted(this.stream, opts.env));
    this.logs = mode !== "never";
    this.line = new ProgressLine(this.stream, live, opts.minIntervalMs ?? 100);
    this.now = opts.now ?? Date.now;
    this.started = this.now();
  }

  /** Units done so far. */
  get done(): number {
    return this.count;
  }

  /** Seconds since the task started. */
  get elapsedSec(): number {
    return (this.now() - this.started) / 1000;
  }

  /** Estimated seconds left (NaN without a total or before the first unit). */
  get etaSec(): number {
    return etaSeconds(this.count, this.total, this.elapsedSec);
  }

  /** Changes the total (e.g. once the batches per epoch are known). */
  setTotal(total: number | undefined): void {
    this.total = total;
  }

  /** Adds `n` units (default 1) and redraws. */
  tick(n = 1, detail?: string): void {
    this.set(this.count + n, detail);
  }

  /** Sets the units done and redraws (`force` skips the throttle). */
  set(done: number, detail?: string, force = false): void {
    this.count = done;
    if (detail !== undefined) this.detail = detail;
    this.line.update(this.text(), force);
  }

  /** The status text as drawn. */
  text(): string {
    const t = this.total;
    const count =
      t !== undefined && t > 0
        ? `${this.count}/${t} (${((100 * this.count) / t).toFixed(t >= 1000 ? 1 : 0)}%)`
        : String(this.count);
    const eta = this.etaSec;
    return (
      `${this.label} ${count}${this.detail ? `  ${this.detail}` : ""}  ${formatDuration(this.elapsedSec)} elapsed` +
      (Number.isFinite(eta) ? `, ETA ${formatDuration(eta)}` : "")
    );
  }

  /** Writes a permanent line (a newline is added) above the live line, which is then redrawn. */
  log(text: string): void {
    if (!this.logs) return;
    this.line.clear();
    this.stream.write(`${text}\n`);
    if (this.count > 0) this.line.update(this.text(), true);
  }

  /** Draws the final state and ends the live line. */
  finish(detail?: string): void {
    if (detail !== undefined) this.detail = detail;
    if (this.count > 0) this.line.update(this.text(), true);
    this.line.done();
  }
}

/** Starts a {@link ProgressTask}. */
export function progressTask(
  label: string,
  total: number | undefined,
  opts: ProgressOptions = {},
): ProgressTask {
  return new ProgressTask(label, total, opts);
}
