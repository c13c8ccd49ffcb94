import type { LlmLabellerOptions } from "../concepts/llm-labeller.js";
import { llmLabelNeurons } from "../concepts/llm-labeller.js";
import type { LlmClient } from "../concepts/llm.js";
import type { ItemEmbedder } from "../embeddings/items.js";
import { BadInput } from "../errors.js";
import { shuffledBatches } from "../sae/batches.js";
import { codeAsCsr, codeToDense } from "../sae/code.js";
import { makeSaeConfig } from "../sae/config.js";
import { SparseAutoencoder } from "../sae/model.js";
import { trainSae } from "../sae/trainer.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import {
  INTENT_LABEL_DEFAULTS,
  type IntentLabelOptions,
  type LatentLabel,
  labelLatents,
  textIndex,
} from "./labels.js";
import type { IntentLibrary } from "./library.js";
import type { IntentLibraryDoc, IntentRecord } from "./write.js";

/** SAE settings of an intent library (complete after {@link resolveIntentSae}). */
export interface IntentSaeOptions {
  /** Latents; default scaled to the catalogue (see resolveIntentSae). */
  width: number;
  /** Active latents per item (SAERec: 15). */
  k: number;
  epochs: number;
  lr: number;
  batchSize: number;
  /** AuxK weight (dead-latent revival). */
  auxk: number;
  seed: number;
}

/**
 * SAERec's settings (TopK, k = 15, 16,384 latents over ~10^5 review embeddings) scaled to a
 * catalogue of `items` texts of dimension `dIn`: width = the power of two nearest items / 6 within
 * [64, 16384]; k = min(15, width / 4, dIn); 60 epochs of batch 256 at lr 1e-3 (an epoch is only
 * items / 256 steps), AuxK 1/32. Explicit values win.
 */
export function resolveIntentSae(
  items: number,
  dIn: number,
  over: Partial<IntentSaeOptions> = {},
): IntentSaeOptions {
  const width =
    over.width ?? Math.min(16384, Math.max(64, 2 ** Math.round(Math.log2(Math.max(1, items / 6)))));
  const o: IntentSaeOptions = {
    width,
    k: over.k ?? Math.max(1, Math.min(15, Math.floor(width / 4), dIn)),
    epochs: over.epochs ?? 60,
    lr: over.lr ?? 1e-3,
    batchSize: over.batchSize ?? 256,
    auxk: over.auxk ?? 1 / 32,
    seed: over.seed ?? 0,
  };
  const int = (name: keyof IntentSaeOptions, min: number, max = Infinity): void => {
    const v = o[name];
    if (!Number.isInteger(v) || v < min || v > max)
      throw new BadInput(`SAE ${name} must be an integer in [${min}, ${max}], got ${v}`, name);
  };
  int("width", 1);
  int("k", 1, o.width);
  int("epochs", 1);
  int("batchSize", 1);
  if (!(o.lr > 0 && Number.isFinite(o.lr))) throw new BadInput(`SAE lr must be > 0, got ${o.lr}`, "lr");
  if (!(o.auxk >= 0)) throw new BadInput(`SAE auxk must be >= 0, got ${o.auxk}`, "auxk");
  return o;
}

/** LLM labelling of the candidate latents (label and detection confidence per latent). */
export interface IntentLlmOptions {
  readonly client: LlmClient;
  readonly options?: Partial<LlmLabellerOptions>;
}

/** Options of {@link buildIntents}. */
export interface IntentBuildOptions {
  sae?: Partial<IntentSaeOptions>;
  label?: Partial<IntentLabelOptions>;
  /** Keep intents whose confidence (the LLM's when labelled by one, else the built-in) is >= this. */
  threshold?: number;
  llm?: IntentLlmOptions;
  /** Stage messages ("embedding 12101 texts", ...). */
  onStage?: (message: string) => void;
}

/** Default confidence threshold. */
export const DEFAULT_INTENT_THRESHOLD = 0.8;

/** A built library in memory (write it with write.ts). */
export interface BuiltIntents {
  readonly library: IntentLibrary;
  readonly doc: Omit<IntentLibraryDoc, "source" | "createdAt">;
  readonly sae: SparseAutoencoder;
  readonly embeddings: Matrix;
  /** Every labelled latent (kept or not). */
  readonly labelled: readonly LatentLabel[];
}

function snippet(text: string): string {
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/**
 * Builds an intent library over a catalogue: embeds every item (`embedder`), trains a TopK SAE
 * on the embeddings (sae/trainer.ts, data-initialised atoms, L2 + AuxK), labels each latent from its
 * top items' text (labels.ts: TF-IDF keywords + held-out keyword-detector confidence; with `llm`,
 * also the LLM label and its detection confidence), and keeps the latents whose confidence is at
 * least the threshold. Intent vectors are the kept latents' encoder rows (W_enc columns).
 */
export async function buildIntents(
  itemIds: readonly string[],
  texts: readonly string[],
  embedder: ItemEmbedder,
  opts: IntentBuildOptions = {},
): Promise<BuiltIntents> {
  if (itemIds.length !== texts.length)
    throw new BadInput(`${itemIds.length} item ids but ${texts.length} texts`, "texts");
  if (itemIds.length < 2)
    throw new BadInput(`an intent library needs at least 2 items, got ${itemIds.length}`, "dataset");
  const threshold = opts.threshold ?? DEFAULT_INTENT_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1))
    throw new BadInput(`--min-confidence must be in [0, 1], got ${threshold}`, "threshold");
  const stage = opts.onStage ?? (() => {});
  stage(`embedding ${itemIds.length} item texts`);
  const t0 = Date.now();
  const x = await embedder.embedItems(itemIds, texts);
  if (x.rows !== itemIds.length)
    throw new BadInput(`the embedder returned ${x.rows} rows for ${itemIds.length} items`, "embeddings");
  for (let p = 0; p < x.data.length; p++)
    if (!Number.isFinite(x.data[p]))
      throw new BadInput(
        `embedding of item "${itemIds[Math.floor(p / x.cols)]}" holds ${x.data[p]}`,
        "embeddings",
      );
  const embedSeconds = (Date.now() - t0) / 1000;
  const s = resolveIntentSae(x.rows, x.cols, opts.sae);
  stage(`training a TopK SAE (${x.cols} -> ${s.width}, k ${s.k}, ${s.epochs} epochs)`);
  const t1 = Date.now();
  const sae = new SparseAutoencoder(makeSaeConfig("topk", x.cols, s.width, { k: s.k }), s.seed);
  sae.initialise(x, { atoms: "data", seed: s.seed });
  const report = await trainSae(
    sae,
    shuffledBatches(x, s.batchSize, s.seed),
    {
      l2: { weight: 1 },
      ...(s.auxk > 0
        ? {
            auxk: {
              weight: s.auxk,
              deadAfter: Math.min(10_000, x.rows),
              normalisation: "variance",
              rescale: "least-squares",
            },
          }
        : {}),
    },
    { epochs: s.epochs, lr: s.lr, decay: "linear", progress: "never", seed: s.seed },
  );
  const saeSeconds = (Date.now() - t1) / 1000;
  const last = report.epochs[report.epochs.length - 1];
  const code = sae.encode(x);
  const byLatent = codeAsCsr(code).transpose();
  stage("labelling latents");
  const labelOpts = { ...INTENT_LABEL_DEFAULTS, ...opts.label };
  const labelled = labelLatents(byLatent, textIndex(texts), labelOpts);
  const llmByLatent = new Map<number, { label: string; description?: string; confidence?: number }>();
  let llmFailures = 0;
  if (opts.llm) {
    stage(`LLM labelling of ${labelled.length} latents`);
    const r = await llmLabelNeurons(
      opts.llm.client,
      codeToDense(code),
      labelled.map((l) => l.latent),
      { titles: texts.map(snippet), seed: labelOpts.seed, ...opts.llm.options },
    );
    llmFailures = r.failures.size;
    for (const [n, e] of r.entries)
      llmByLatent.set(n, {
        label: e.label,
        ...(e.description ? { description: e.description } : {}),
        ...(typeof e.scores?.confidence === "number" ? { confidence: e.scores.confidence } : {}),
      });
  }
  const kept = labelled.filter((l) => {
    const llm = llmByLatent.get(l.latent);
    const c = opts.llm ? llm?.confidence : l.confidence;
    return c !== undefined && c >= threshold;
  });
  const intentOf = new Int32Array(s.width).fill(-1);
  kept.forEach((l, j) => (intentOf[l.latent] = j));
  const vectors = new Matrix(kept.length, x.cols);
  const wEnc = sae.params.W_enc.value;
  kept.forEach((l, j) => {
    for (let c = 0; c < x.cols; c++) vectors.data[j * x.cols + c] = wEnc.data[c * s.width + l.latent];
  });
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < code.rows; i++)
    for (let p = code.indptr[i]; p < code.indptr[i + 1]; p++) {
      const j = intentOf[code.indices[p]];
      if (j >= 0) {
        rows.push(i);
        cols.push(j);
        vals.push(code.values[p]);
      }
    }
  const itemActivations = Csr.fromTriplets(code.rows, kept.length, rows, cols, vals);
  const records: IntentRecord[] = kept.map((l, j) => {
    const llm = llmByLatent.get(l.latent);
    return {
      id: j,
      latent: l.latent,
      label: llm?.label ?? l.label,
      confidence: l.confidence,
      tfidf: { label: l.label, keywords: l.keywords, accuracy: l.accuracy },
      ...(llm ? { llm } : {}),
      support: l.support,
      topItems: l.top
        .slice(0, 10)
        .map((t) => ({ id: itemIds[t.item], activation: t.activation, text: snippet(texts[t.item]) })),
    };
  });
  const library: IntentLibrary = {
    itemIds: [...itemIds],
    labels: records.map((r) => r.label),
    confidence: Float32Array.from(records, (r) => r.confidence),
    vectors,
    itemActivations,
    latents: Int32Array.from(records, (r) => r.latent),
    ...(opts.llm
      ? {
          llmLabels: records.map((r) => r.llm?.label),
          llmConfidence: Float32Array.from(records, (r) => r.llm?.confidence ?? Number.NaN),
        }
      : {}),
  };
  const doc = {
    embeddings: { ...embedder.info(), rows: x.rows, cols: x.cols, seconds: embedSeconds },
    sae: {
      architecture: "topk",
      dIn: x.cols,
      ...s,
      dir: "sae",
      seconds: saeSeconds,
      finalLoss: last?.loss,
      deadFraction: last?.deadFraction,
      l0: last?.l0,
    },
    selection: {
      threshold,
      confidenceFrom: opts.llm ? "llm" : "tfidf",
      label: labelOpts,
      latents: s.width,
      labelled: labelled.length,
      kept: kept.length,
      ...(opts.llm ? { llmLabelled: llmByLatent.size, llmFailures } : {}),
    },
    itemIds: [...itemIds],
    intents: records,
  };
  return { library, doc, sae, embeddings: x, labelled };
}
