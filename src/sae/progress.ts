/** Minimal writable stream shape the progress line needs (process.stderr satisfies it). */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): boolean;
}

/** Whether a live progress line should be drawn: a TTY outside CI. */
export function progressWanted(
  stream: ProgressStream,
  env: Record<string, string | undefined> = process.env,
): boolean {
  return stream.isTTY === true && !env.CI;
}

/** Formats seconds as "1h02m", "3m05s" or "42s". */
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

  /** Ends the line (newline) if anything was drawn. */
  done(): void {
    if (this.enabled && this.width > 0) this.stream.write("\n");
    this.width = 0;
  }
}
