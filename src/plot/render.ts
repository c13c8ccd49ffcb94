/**
 * Observable Plot in Node: a DOM from linkedom to render into, and the serialisation of the rendered
 * `<svg>` elements into standalone SVG documents (one chart, or several side by side).
 */
import { parseHTML } from "linkedom";
import { SVG_NS } from "./figure.js";

let shared: Document | undefined;

/** The (shared) linkedom document charts are rendered into in Node. */
export function nodeDocument(): Document {
  shared ??= parseHTML("<!DOCTYPE html><html><head></head><body></body></html>")
    .document as unknown as Document;
  return shared;
}

function background(doc: Document, width: number, height: number): Element {
  const r = doc.createElementNS(SVG_NS, "rect");
  r.setAttribute("class", "background");
  r.setAttribute("width", String(width));
  r.setAttribute("height", String(height));
  r.setAttribute("fill", "white");
  return r;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** Escapes &, <, > and " for XML text and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ESCAPES[c]);
}

/**
 * An element and its subtree as well-formed XML: every attribute value and text node escaped (the
 * DOM's own outerHTML leaves "<" and "&" raw in attributes), childless elements self-closed,
 * comments dropped.
 */
export function serializeXml(node: Node): string {
  if (node.nodeType === 3) return escapeXml(node.textContent ?? "");
  if (node.nodeType !== 1) return "";
  const el = node as Element;
  const tag = el.localName || el.tagName;
  const attrs = Array.from(el.attributes)
    .map((a) => ` ${a.name}="${escapeXml(a.value)}"`)
    .join("");
  const children = Array.from(el.childNodes).map(serializeXml).join("");
  return children ? `<${tag}${attrs}>${children}</${tag}>` : `<${tag}${attrs}/>`;
}

/** A rendered chart's size from its width/height attributes. */
function sizeOf(svg: Element): { width: number; height: number } {
  const width = Number(svg.getAttribute("width"));
  const height = Number(svg.getAttribute("height"));
  if (!(width > 0 && height > 0))
    throw new RangeError(`chart has no size (width ${width}, height ${height})`);
  return { width, height };
}

/**
 * A chart (an Observable Plot `<svg>`) as a standalone SVG document: XML declaration, the SVG
 * namespace, a white background behind everything, black text (currentColor) by default.
 */
export function standaloneSvg(svg: Element): string {
  const doc = svg.ownerDocument;
  const { width, height } = sizeOf(svg);
  svg.setAttribute("xmlns", SVG_NS);
  svg.setAttribute("color", "black");
  svg.insertBefore(background(doc, width, height), svg.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${serializeXml(svg)}\n`;
}

/**
 * Charts side by side in one standalone SVG document: each chart keeps its size and is placed at
 * the next x offset (a nested `<svg x=…>`); the document is as wide as all of them and as tall as
 * the tallest.
 */
export function sideBySideSvg(charts: readonly Element[]): string {
  if (charts.length === 0) throw new RangeError("sideBySideSvg: no charts");
  const doc = charts[0].ownerDocument;
  const root = doc.createElementNS(SVG_NS, "svg");
  let x = 0;
  let height = 0;
  const placed = charts.map((c) => {
    const s = sizeOf(c);
    c.setAttribute("x", String(x));
    c.setAttribute("y", "0");
    x += s.width;
    height = Math.max(height, s.height);
    return c;
  });
  root.setAttribute("width", String(x));
  root.setAttribute("height", String(height));
  root.setAttribute("viewBox", `0 0 ${x} ${height}`);
  root.append(...placed);
  return standaloneSvg(root);
}
