import type { ExplainRunResult, ItemExplanation } from "../pipeline/explain.js";
import { fmtNumber, textTable } from "./pipeline-options.js";

/** Contributions shown per item in the text output of `reclens recommend --explain`. */
export const TEXT_TOP = 3;

function signed(v: number): string {
  return `${v >= 0 ? "+" : ""}${fmtNumber(v)}`;
}

/** One line: the item's top contributions, then the bias, error (and non-linear) terms. */
export function explanationLine(e: ItemExplanation, top = TEXT_TOP): string {
  const parts = e.top
    .slice(0, top)
    .map(
      (n) =>
        `#${n.neuron}${n.label ? ` "${n.label}"` : ""} ${signed(n.contribution)}${n.share === null ? "" : ` (${Math.round(n.share * 100)}%)`}`,
    );
  const others = e.top.slice(top).reduce((a, n) => a + n.contribution, e.rest.contribution);
  const count = Math.max(0, e.top.length - top) + e.rest.neurons;
  if (count > 0) parts.push(`${count} more ${signed(others)}`);
  const terms = [`bias ${signed(e.decoderBias + e.itemTerm)}`, `error ${signed(e.error)}`];
  if (e.method === "gradient") terms.push(`non-linear ${signed(e.nonLinear)}`);
  return `${parts.join(", ")}; ${terms.join(", ")}`;
}

/**
 * Prints `reclens recommend --explain`: as JSON (every key of the service's result), or per item its
 * rank, score, id and title followed by its top 3 contributions and the remaining terms.
 */
export function printExplained(r: ExplainRunResult, json: boolean, header: string): void {
  if (json) {
    console.log(JSON.stringify(r, null, 2));
    return;
  }
  const method = r.items[0]?.explanation.method;
  console.log(header);
  console.log(
    method === "gradient"
      ? "why: gradient x activation of each neuron (first-order; MultVAE's decoder is non-linear)"
      : "why: exact split of each score over the active neurons (the parts sum to the score)",
  );
  const lines = textTable(
    r.items.map((it, p) => [`${p + 1}.`, it.entered ? "+" : " ", fmtNumber(it.score), it.id, it.title ?? ""]),
  ).split("\n");
  r.items.forEach((it, p) => {
    console.log(lines[p]);
    console.log(`      why: ${explanationLine(it.explanation)}`);
  });
}
