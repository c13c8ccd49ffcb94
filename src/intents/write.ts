import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Conflict } from "../errors.js";
import { saveSae } from "../sae/io.js";
import type { Sae } from "../sae/types.js";
import { writeFileAtomic } from "../store/atomic.js";
import { writeSafetensors } from "../store/safetensors.js";
import {
  INTENTS_FORMAT,
  INTENTS_JSON,
  INTENTS_SAE_DIR,
  INTENTS_TENSORS,
  type IntentLibrary,
} from "./library.js";

/** One intent as recorded in intents.json. */
export interface IntentRecord {
  /** Position in the library (row of the vectors, column of the activations). */
  readonly id: number;
  /** SAE latent it was kept from. */
  readonly latent: number;
  /** Display label (the LLM's when there is one, else the built-in TF-IDF label). */
  readonly label: string;
  /** Built-in TF-IDF detector confidence, in [0, 1]. */
  readonly confidence: number;
  /** Built-in label: its keywords, and the detection accuracy. */
  readonly tfidf: { readonly label: string; readonly keywords: string[]; readonly accuracy: number };
  /** LLM label and detection confidence, when an endpoint labelled the latent. */
  readonly llm?: { readonly label: string; readonly description?: string; readonly confidence?: number };
  /** Items the latent fires on. */
  readonly support: number;
  /** Top items: external id, activation, first words of the text. */
  readonly topItems: { readonly id: string; readonly activation: number; readonly text: string }[];
}

/** Everything intents.json holds besides the format tag. */
export interface IntentLibraryDoc {
  readonly createdAt: string;
  /** Where the item text came from (dataset name and path) and how it was formed. */
  readonly source: Record<string, unknown>;
  /** Embedding provider settings (embeddings/types.ts EmbedderInfo). */
  readonly embeddings: Record<string, unknown>;
  /** SAE settings and training summary. */
  readonly sae: Record<string, unknown>;
  /** Labelling settings, the threshold and counts (latents labelled, kept). */
  readonly selection: Record<string, unknown>;
  readonly itemIds: readonly string[];
  readonly intents: readonly IntentRecord[];
}

/**
 * Writes a library directory: `sae/` (the full SAE, SAELens layout), intents.safetensors (intent
 * vectors, per-item activations as CSR parts) and intents.json (written last). Everything goes to a
 * temporary sibling directory first, which is then renamed over `dir`, so readers never see a half
 * library. An existing `dir` is a Conflict unless `force`.
 */
export function writeIntentLibrary(
  dir: string,
  lib: IntentLibrary,
  doc: IntentLibraryDoc,
  sae: Sae,
  force = false,
): void {
  if (existsSync(dir) && !force)
    throw new Conflict(`${dir} already exists: pass --force to replace it`, "out");
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    saveSae(sae, join(tmp, INTENTS_SAE_DIR));
    const a = lib.itemActivations;
    writeSafetensors(join(tmp, INTENTS_TENSORS), {
      vectors: { shape: [lib.vectors.rows, lib.vectors.cols], data: lib.vectors.data },
      activation_indptr: { shape: [a.indptr.length], data: a.indptr },
      activation_indices: { shape: [a.indices.length], data: a.indices },
      activation_values: { shape: [a.values.length], data: a.values },
    });
    writeFileAtomic(
      join(tmp, INTENTS_JSON),
      `${JSON.stringify({ format: INTENTS_FORMAT, ...doc }, null, 1)}\n`,
    );
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
