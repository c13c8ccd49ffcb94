import { processInteractions, type InteractionReport } from "./interactions.js";
import type { RawDataset } from "./loaders/raw.js";
import { buildItemMetadata } from "./metadata.js";
import type { ProcessOptions } from "./options.js";
import type { Dataset } from "./types.js";

/** What processing did: the interaction stages plus the loader's remarks. */
export interface ProcessReport extends InteractionReport {
  /** Loader format key that read the source. */
  readonly format: string;
  readonly notes: string[];
  /** Records skipped or changed by a documented loader policy, by reason (see RawDataset.skipped). */
  readonly skipped?: Record<string, number>;
}

/** A processed dataset and how it was obtained. */
export interface Processed {
  readonly dataset: Dataset;
  readonly report: ProcessReport;
}

/** Runs interaction processing and metadata extraction on a loader's output (options must be resolved). */
export function processRaw(raw: RawDataset, opts: ProcessOptions): Processed {
  const p = processInteractions(raw.interactions, opts);
  const meta = buildItemMetadata(p.items, p.matrix, raw.items, raw.genreOrder, opts);
  const dataset: Dataset = {
    name: raw.name,
    source: raw.source,
    users: p.users,
    items: p.items,
    matrix: p.matrix,
    ...(p.timestamps ? { timestamps: p.timestamps } : {}),
    ...(meta.itemTitles ? { itemTitles: meta.itemTitles } : {}),
    ...(meta.itemText ? { itemText: meta.itemText } : {}),
    ...(meta.itemYears ? { itemYears: meta.itemYears } : {}),
    ...(meta.itemAttributes ? { itemAttributes: meta.itemAttributes } : {}),
    ...(raw.userAttributes ? { userAttributes: alignUserAttributes(raw.userAttributes, p.users) } : {}),
    concepts: meta.concepts,
  };
  const skipped = raw.skipped && Object.keys(raw.skipped).length ? { skipped: { ...raw.skipped } } : {};
  return { dataset, report: { ...p.report, format: raw.format, notes: raw.notes, ...skipped } };
}

/** Per attribute, the value of each final user in order ("" when the source has none). */
function alignUserAttributes(
  attrs: Record<string, Map<string, string>>,
  users: string[],
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, byId] of Object.entries(attrs)) out[name] = users.map((u) => byId.get(u) ?? "");
  return out;
}
