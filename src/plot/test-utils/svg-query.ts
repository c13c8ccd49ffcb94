/** Test helpers: read a rendered SVG document string back into elements and numbers. */
import { DOMParser } from "linkedom";

/** The root `<svg>` of an SVG document string. */
export function parseSvg(text: string): Element {
  const doc = new DOMParser().parseFromString(text.replace(/^<\?xml[^>]*>\s*/, ""), "image/svg+xml");
  const root = doc.documentElement as unknown as Element;
  if (root.tagName.toLowerCase() !== "svg") throw new Error(`not an SVG document: <${root.tagName}>`);
  return root;
}

/** Numeric attribute of an element (NaN when absent). */
export function num(el: Element, name: string): number {
  return Number(el.getAttribute(name) ?? Number.NaN);
}

/** Elements matching a selector, as an array. */
export function all(root: Element, selector: string): Element[] {
  return Array.from(root.querySelectorAll(selector));
}

/** Tick label texts of an axis ("x" or "y") in document order. */
export function tickLabels(root: Element, axis: "x" | "y"): string[] {
  return all(root, `g[aria-label="${axis}-axis tick label"] text`).map((t) => t.textContent ?? "");
}

/** The viewBox of an `<svg>` as [x, y, width, height]. */
export function viewBox(svg: Element): [number, number, number, number] {
  const v = (svg.getAttribute("viewBox") ?? "").split(/[\s,]+/).map(Number);
  return [v[0], v[1], v[2], v[3]];
}
