import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LlmClient, type LlmConfig, resolveLlmConfig } from "../concepts/llm.js";
import { loadDatasetWithReport, type LoadOptions } from "../data/load.js";
import {
  FileItemEmbedder,
  type FileEmbeddingsOptions,
  type ItemEmbedder,
  textItemEmbedder,
} from "../embeddings/items.js";
import { LsaEmbedder, type LsaOptions } from "../embeddings/lsa.js";
import {
  OpenAiEmbedder,
  type OpenAiEmbedderConfig,
  resolveOpenAiEmbedderConfig,
} from "../embeddings/openai.js";
import { BadInput, NotFound } from "../errors.js";
import { buildIntents, type IntentSaeOptions } from "../intents/build.js";
import type { IntentLabelOptions } from "../intents/labels.js";
import { INTENTS_FORMAT, INTENTS_JSON } from "../intents/library.js";
import { type IntentLibraryDoc, type IntentRecord, writeIntentLibrary } from "../intents/write.js";

/**
 * The intents service: builds an intent library from a dataset's item text and lists a library's
 * intents, for `reclens intents build|show` (and any HTTP route that exposes them).
 */

/** Which embedding provider to use and its settings. */
export type EmbedderSpec =
  | { readonly provider: "tfidf"; readonly options?: Partial<LsaOptions> }
  | { readonly provider: "openai"; readonly config?: Partial<OpenAiEmbedderConfig> }
  | { readonly provider: "file"; readonly path: string; readonly options?: FileEmbeddingsOptions };

/** The ItemEmbedder of a spec (the OpenAI config falls back to RECLENS_EMBED_* variables). */
export function makeItemEmbedder(
  spec: EmbedderSpec,
  env: Record<string, string | undefined> = process.env,
): ItemEmbedder {
  if (spec.provider === "tfidf") return textItemEmbedder(new LsaEmbedder(spec.options));
  if (spec.provider === "openai")
    return textItemEmbedder(new OpenAiEmbedder(resolveOpenAiEmbedderConfig(spec.config, env)));
  return new FileItemEmbedder(spec.path, spec.options);
}

/** A request to build a library. */
export interface IntentsBuildRequest {
  /** Dataset reference (registered name, `<format>:<path>`, folder or file; data/load.ts). */
  readonly dataset: string;
  readonly load?: LoadOptions;
  readonly out: string;
  readonly force?: boolean;
  readonly embedder: EmbedderSpec;
  readonly sae?: Partial<IntentSaeOptions>;
  readonly label?: Partial<IntentLabelOptions>;
  readonly threshold?: number;
  /** LLM labels + confidence: the explicit settings (RECLENS_LLM_* fill the rest). */
  readonly llm?: Partial<LlmConfig>;
  readonly onStage?: (message: string) => void;
}

/** What a build did. */
export interface IntentsBuildSummary {
  readonly out: string;
  readonly items: number;
  readonly itemsWithoutText: number;
  readonly dim: number;
  readonly latents: number;
  readonly labelled: number;
  readonly kept: number;
  readonly threshold: number;
  readonly seconds: { readonly total: number; readonly embed: number; readonly sae: number };
  /** Confidence quantiles (0, 0.25, 0.5, 0.75, 1) of the labelled latents and of the kept ones. */
  readonly confidence: { readonly labelled: number[]; readonly kept: number[] };
}

function quantiles(v: number[]): number[] {
  if (v.length === 0) return [];
  const s = [...v].sort((a, b) => a - b);
  return [0, 0.25, 0.5, 0.75, 1].map((q) => s[Math.round(q * (s.length - 1))]);
}

/**
 * Loads the dataset, takes each item's text (title + metadata as the loader formats it: Beauty
 * title, categories, brand; Scientific title, description; MovieLens title, genres), builds the
 * library (intents/build.ts) and writes it atomically to `out`.
 */
export async function buildIntentLibraryFromDataset(req: IntentsBuildRequest): Promise<IntentsBuildSummary> {
  const t0 = Date.now();
  req.onStage?.(`loading ${req.dataset}`);
  const loaded = await loadDatasetWithReport(req.dataset, req.load);
  const d = loaded.dataset;
  const texts = d.itemText ?? d.itemTitles;
  if (!texts)
    throw new BadInput(
      `dataset ${req.dataset} has no item text or titles: an intent library needs item text`,
      "dataset",
    );
  const itemsWithoutText = texts.filter((t, i) => !t || t === d.items[i]).length;
  const llm = req.llm ? { client: new LlmClient(resolveLlmConfig(req.llm)) } : undefined;
  const built = await buildIntents(d.items, texts, makeItemEmbedder(req.embedder), {
    ...(req.sae ? { sae: req.sae } : {}),
    ...(req.label ? { label: req.label } : {}),
    ...(req.threshold !== undefined ? { threshold: req.threshold } : {}),
    ...(llm ? { llm } : {}),
    ...(req.onStage ? { onStage: req.onStage } : {}),
  });
  const doc: IntentLibraryDoc = {
    createdAt: new Date().toISOString(),
    source: {
      dataset: d.name,
      path: loaded.path,
      format: loaded.format,
      text: d.itemText ? "itemText (title + metadata)" : "itemTitles",
      itemsWithoutText,
      note: "intents are built from item text (the paper builds them from user reviews)",
    },
    ...built.doc,
  };
  req.onStage?.(`writing ${req.out}`);
  writeIntentLibrary(resolve(req.out), built.library, doc, built.sae, req.force);
  const sel = built.doc.selection;
  return {
    out: resolve(req.out),
    items: d.items.length,
    itemsWithoutText,
    dim: built.embeddings.cols,
    latents: Number(sel.latents),
    labelled: built.labelled.length,
    kept: built.library.labels.length,
    threshold: Number(sel.threshold),
    seconds: {
      total: (Date.now() - t0) / 1000,
      embed: Number(built.doc.embeddings.seconds),
      sae: Number(built.doc.sae.seconds),
    },
    confidence: {
      labelled: quantiles(built.labelled.map((l) => l.confidence)),
      kept: quantiles(Array.from(built.library.confidence)),
    },
  };
}

/** A library's description (intents.json) as listed by `reclens intents show`. */
export type IntentLibraryListing = IntentLibraryDoc & { readonly format: string };

/** Reads `<dir>/intents.json` (NotFound / BadInput naming the file). */
export function readIntentListing(dir: string): IntentLibraryListing {
  const path = join(dir, INTENTS_JSON);
  if (!existsSync(path)) throw new NotFound(`${path}: not an intent library (no ${INTENTS_JSON})`, "dir");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new BadInput(`${path}: not valid JSON (${(err as Error).message})`, "dir");
  }
  const j = raw as Partial<IntentLibraryListing> | null;
  if (!j || j.format !== INTENTS_FORMAT || !Array.isArray(j.intents))
    throw new BadInput(`${path}: not a ${INTENTS_FORMAT} library`, "dir");
  return j as IntentLibraryListing;
}

/** Intents of a library sorted by confidence (descending, then id), optionally the first `limit`. */
export function listIntents(
  dir: string,
  limit?: number,
): { listing: IntentLibraryListing; intents: IntentRecord[] } {
  const listing = readIntentListing(dir);
  const intents = [...listing.intents].sort((a, b) => b.confidence - a.confidence || a.id - b.id);
  return { listing, intents: limit !== undefined ? intents.slice(0, limit) : intents };
}
