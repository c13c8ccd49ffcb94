import type { KnobResolution } from "../pipeline/knobs.js";

/** A resolved knob with the spec it came from, when it came from one. */
type Resolved = KnobResolution & { readonly field?: string; readonly spec?: string };

const named = (n: { neuron: number; label: string | null }): string =>
  `#${n.neuron}${n.label ? ` "${n.label}"` : ""}`;

/**
 * Lines telling what each knob reference resolved to: for names (concepts, labels) the neuron(s)
 * used, with weights when several, the mapping, a note, and up to 5 alternatives; nothing for ids.
 */
export function resolutionLines(resolved: readonly Resolved[], maxAlternatives = 5): string[] {
  const out: string[] = [];
  for (const r of resolved) {
    if (r.by === "id") continue;
    const head = r.spec !== undefined ? `${r.field} "${r.spec}"` : `"${r.ref}"`;
    const what =
      r.by === "concept" ? `concept ${r.concept?.kind}:"${r.concept?.name}" (${r.mapping} mapping)` : "label";
    const used = r.neurons
      .map((n) => (r.neurons.length > 1 ? `${named(n)} x${n.weight.toFixed(3)}` : named(n)))
      .join(", ");
    out.push(`knob     ${head}: ${what} -> ${used}`);
    if (r.note) out.push(`         ${r.note}`);
    if (r.alternatives.length > 0)
      out.push(
        `         alternatives: ${r.alternatives
          .slice(0, maxAlternatives)
          .map((a) => `${named(a)} (${a.why})`)
          .join(", ")}${r.alternatives.length > maxAlternatives ? ", ..." : ""}`,
      );
  }
  return out;
}
