/** Small helpers shared by the dependency-free SVG charts of src/plot/ (charts.ts, line.ts). */

/** Escapes &, <, >, " and ' for SVG/XML text and attributes. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] as string,
  );
}

/**
 * A tick/axis number in at most 3 significant digits: "0" for zero, exponential notation with
 * `expDigits` fraction digits when |v| >= 1e4 or |v| < 1e-3.
 */
export function tickNumber(v: number, expDigits: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(expDigits) : Number(v.toPrecision(3)).toString();
}
