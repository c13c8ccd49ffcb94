import { resolveKnob } from "../pipeline/knobs.js";
import type { Workspace } from "./workspace.js";

/** One hit of the knob search: a neuron to add as a knob, and why it matched. */
export interface KnobMatch {
  readonly neuron: number;
  readonly label: string | null;
  /** The neuron's own concept (what it is about), when labelled with one. */
  readonly concept: { readonly kind: string; readonly name: string } | null;
  /** "concept": a concept name matched (the neuron is its knob); "label": a display label; "id". */
  readonly match: "concept" | "label" | "id";
  /** The text that matched (concept name, label or "#j"). */
  readonly text: string;
}

/** GET /api/knobs/search response. */
export interface KnobSearchView {
  readonly total: number;
  readonly matches: KnobMatch[];
}

/**
 * Knobs whose concept name or display label contains `query` (case-insensitive), over ALL neurons
 * whether or not they are active for any user; "#17" / "17" finds neuron 17. A matched concept
 * stands for the neuron it resolves to (the steering service's resolveKnob, representative mapping),
 * so picking it turns the same knob `--boost "<concept>:a"` would. Order: exact, then prefix, then
 * substring matches; concepts before labels; then alphabetical; each neuron once.
 */
export function searchKnobs(ws: Workspace, query: string, limit: number): KnobSearchView {
  const q = query.trim().toLowerCase();
  if (q === "") return { total: 0, matches: [] };
  const doc = ws.labels;
  const labelOf = (j: number): string | null => doc.labels[String(j)]?.label ?? null;
  const conceptOf = (j: number): KnobMatch["concept"] => {
    const c = doc.labels[String(j)]?.concept;
    return c ? { kind: c.kind, name: c.name } : null;
  };
  const hits: (KnobMatch & { rank: number })[] = [];
  const seen = new Set<number>();
  const rankOf = (text: string): number => {
    const t = text.toLowerCase();
    return t === q ? 0 : t.startsWith(q) ? 1 : t.includes(q) ? 2 : -1;
  };
  const idText = q.replace(/^#/, "");
  if (/^\d+$/.test(idText) && Number(idText) < ws.sae.dSae) {
    const j = Number(idText);
    seen.add(j);
    hits.push({ neuron: j, label: labelOf(j), concept: conceptOf(j), match: "id", text: `#${j}`, rank: -1 });
  }
  const names = new Map<string, { kind: string; name: string }>();
  for (const c of doc.concepts ?? []) names.set(`${c.kind}:${c.name}`, { kind: c.kind, name: c.name });
  for (const e of Object.values(doc.labels))
    if (e.concept)
      names.set(`${e.concept.kind}:${e.concept.name}`, { kind: e.concept.kind, name: e.concept.name });
  const concepts = [...names.values()]
    .map((c) => ({ ...c, rank: rankOf(c.name) }))
    .filter((c) => c.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
  for (const c of concepts) {
    let j: number | undefined;
    try {
      j = resolveKnob(doc, `${c.kind}:${c.name}`).neurons[0]?.neuron;
    } catch {
      j = undefined; // a concept no neuron fires for: nothing to turn
    }
    if (j === undefined || seen.has(j)) continue;
    seen.add(j);
    hits.push({
      neuron: j,
      label: labelOf(j),
      concept: conceptOf(j),
      match: "concept",
      text: c.name,
      rank: c.rank,
    });
  }
  const labelled = Object.entries(doc.labels)
    .map(([id, e]) => ({ j: Number(id), label: e.label, rank: rankOf(e.label) }))
    .filter((x) => x.rank >= 0 && !seen.has(x.j))
    .sort((a, b) => a.rank - b.rank || a.label.localeCompare(b.label) || a.j - b.j);
  for (const x of labelled)
    hits.push({
      neuron: x.j,
      label: x.label,
      concept: conceptOf(x.j),
      match: "label",
      text: x.label,
      rank: 3 + x.rank,
    });
  hits.sort((a, b) => a.rank - b.rank);
  return {
    total: hits.length,
    matches: hits.slice(0, limit).map(({ rank: _rank, ...m }) => m),
  };
}
