/** Tiny DOM helpers: elements built with text nodes only (never innerHTML), so data cannot inject markup. */

type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | EventListener | undefined>;

function append(el: Element, children: readonly (Child | readonly Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

function apply(el: Element, props: Props): void {
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, "").toLowerCase(), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
}

/** An HTML element with attributes (`onClick` etc. become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Child | readonly Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, props);
  append(el, children);
  return el;
}

/** Replaces the children of `el`. */
export function replace(el: Element, ...children: (Child | readonly Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** `fn` called once `ms` after the last call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** A number with `digits` significant decimals, no trailing zeros. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : String(+x.toPrecision(digits));
}

/** A share as a percentage. */
export function pct(x: number): string {
  return `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
}

/**
 * The title as shown: MovieLens titles already end in their year ("Heat (1995)"), so the year is
 * appended only to titles that do not end in a "(yyyy)" of their own (it used to show twice).
 */
export function displayTitle(item: { title: string; year?: number }): string {
  if (!item.year || /\(\d{4}\)\s*$/.test(item.title)) return item.title;
  return `${item.title} (${item.year})`;
}

/** The title and concept chips of an item. */
export function itemLine(item: {
  title: string;
  year?: number;
  concepts: Record<string, string[]>;
}): HTMLElement {
  const chips = Object.entries(item.concepts).flatMap(([kind, names]) =>
    names
      .slice(0, kind === "genre" ? 3 : 2)
      .map((n) => h("span", { class: `chip chip-${kind === "genre" ? "genre" : "tag"}` }, n)),
  );
  return h("span", { class: "item-line" }, h("span", { class: "title" }, displayTitle(item)), " ", chips);
}

/** A short status message for an error. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
