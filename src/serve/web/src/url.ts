/**
 * Every view's state in the URL's query string, so reload and back/forward restore it:
 * view (user | neurons | editor | eval), user (id) or new=1 (cold start), knobs ("j:v,j:v", v in [-1, 1]),
 * why (explained item id), q / sort / page / per / neuron (neuron browser; per = rows per page), target / strength / n (editor).
 */

/** Keys the panel keeps in the URL. */
export type UrlKey =
  | "view"
  | "user"
  | "new"
  | "knobs"
  | "why"
  | "q"
  | "sort"
  | "page"
  | "per"
  | "neuron"
  | "target"
  | "strength"
  | "n";

/** The current value of a key (null when absent). */
export function param(key: UrlKey): string | null {
  return new URLSearchParams(location.search).get(key);
}

/** The current value of a key as a finite number (undefined when absent or not a number). */
export function numParam(key: UrlKey): number | undefined {
  const v = param(key);
  if (v === null || v.trim() === "") return undefined;
  const x = Number(v);
  return Number.isFinite(x) ? x : undefined;
}

let restoring = false;

/**
 * Sets (string) or removes (undefined / "") keys. "push" adds a history entry (a new view, user,
 * neuron or target), "replace" edits the current one (knob moves, typing). Ignored while the panel
 * is restoring itself from the URL.
 */
export function setParams(
  values: Partial<Record<UrlKey, string | undefined>>,
  mode: "push" | "replace",
): void {
  if (restoring) return;
  const u = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === "") u.delete(k);
    else u.set(k, v);
  }
  const s = u.toString();
  const next = `${location.pathname}${s ? `?${s}` : ""}`;
  if (next === `${location.pathname}${location.search}`) return;
  if (mode === "push") history.pushState(null, "", next);
  else history.replaceState(null, "", next);
}

/** Runs `f` (sync or async) without writing to the URL: used while restoring a view from it. */
export async function whileRestoring(f: () => Promise<void> | void): Promise<void> {
  restoring = true;
  try {
    await f();
  } finally {
    restoring = false;
  }
}

/** Knobs as the URL holds them: "12:0.3,4:-0.5" (neuron:value, value in [-1, 1], 0s dropped). */
export function formatKnobs(knobs: ReadonlyMap<number, number>): string {
  return [...knobs]
    .filter(([, v]) => v !== 0)
    .map(([j, v]) => `${j}:${+v.toFixed(2)}`)
    .join(",");
}

/** Parses {@link formatKnobs}' form; malformed parts are skipped, values clipped to [-1, 1]. */
export function parseKnobs(text: string | null): Map<number, number> {
  const out = new Map<number, number>();
  for (const part of (text ?? "").split(",")) {
    const m = /^#?(\d+):(-?\d*\.?\d+)$/.exec(part.trim());
    if (!m) continue;
    const v = Math.max(-1, Math.min(1, Number(m[2])));
    if (v !== 0) out.set(Number(m[1]), v);
  }
  return out;
}
