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
    concepts: meta.concepts,
  };
  return { dataset, report: { ...p.report, format: raw.format, notes: raw.notes } };
}
