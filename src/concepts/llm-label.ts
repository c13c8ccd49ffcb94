import { z } from "zod";
import type { ItemConcepts } from "../data/types.js";
import { type ChatMessage, type LlmClient, parseJsonReply } from "./llm.js";

/** An item as shown to the model: its title and a line of metadata. */
export interface ItemDescription {
  title: string;
  metadata?: string;
}

/**
 * Describes items for prompts: the title (or "item <id>") and, per concept family, the item's
 * concepts ordered by weight (at most `maxPerFamily`), e.g. "genre: Noir, Heist; tag: noir (5)".
 */
export function describeItems(
  items: ArrayLike<number>,
  titles: readonly string[] | undefined,
  families: readonly ItemConcepts[] = [],
  maxPerFamily = 6,
): ItemDescription[] {
  const out: ItemDescription[] = [];
  for (let r = 0; r < items.length; r++) {
    const i = items[r];
    const parts: string[] = [];
    for (const f of families) {
      const m = f.matrix;
      if (i >= m.rows)
        throw new RangeError(
          `describeItems: item ${i} out of range for family "${f.kind}" (${m.rows} items)`,
        );
      const idx = Array.from(m.rowIndices(i));
      const val = m.rowValues(i);
      const order = idx.map((_, p) => p).filter((p) => val[p] > 0);
      order.sort((a, b) => val[b] - val[a] || idx[a] - idx[b]);
      const flags = order.every((p) => val[p] === 1);
      const names = order
        .slice(0, maxPerFamily)
        .map((p) => (flags ? f.names[idx[p]] : `${f.names[idx[p]]} (${val[p]})`));
      if (names.length > 0) parts.push(`${f.kind}: ${names.join(", ")}`);
    }
    out.push({
      title: titles?.[i] ?? `item ${i}`,
      ...(parts.length > 0 ? { metadata: parts.join("; ") } : {}),
    });
  }
  return out;
}

function itemLine(d: ItemDescription, n: number): string {
  return `${n}. ${d.title}${d.metadata ? ` [${d.metadata}]` : ""}`;
}

/** The reply a labelling prompt asks for. */
export const LlmLabelSchema = z
  .object({
    label: z.string().trim().min(1).max(80),
    description: z.string().trim().min(1).max(600),
  })
  .strict();

/** A parsed label reply. */
export type LlmLabel = z.infer<typeof LlmLabelSchema>;

/**
 * Messages asking for a short label of a neuron: its top-activating items with metadata, then
 * random items on which it does not fire as contrast; the reply must be exactly
 * {"label": "...", "description": "..."}.
 */
export function labelMessages(
  top: readonly ItemDescription[],
  contrast: readonly ItemDescription[],
): ChatMessage[] {
  if (top.length === 0) throw new RangeError("labelMessages: the neuron has no top items to describe");
  const lines = [
    "A feature of a recommender system fires strongly on these items (strongest first):",
    ...top.map((d, r) => itemLine(d, r + 1)),
  ];
  if (contrast.length > 0)
    lines.push(
      "",
      "It does NOT fire on these randomly chosen items:",
      ...contrast.map((d, r) => itemLine(d, r + 1)),
    );
  lines.push(
    "",
    "What do the first items share that the others lack? Answer with only a JSON object of the form",
    '{"label": "<at most 5 words>", "description": "<one sentence>"}',
  );
  return [
    {
      role: "system",
      content:
        "You name features of recommender systems. You reply with a single JSON object and nothing else.",
    },
    { role: "user", content: lines.join("\n") },
  ];
}

/** Asks the model for a label of one neuron (strict parsing; malformed replies are retried by the client). */
export async function llmLabel(
  client: LlmClient,
  top: readonly ItemDescription[],
  contrast: readonly ItemDescription[],
): Promise<LlmLabel> {
  return client.complete(labelMessages(top, contrast), (content) => parseJsonReply(content, LlmLabelSchema));
}
