import { z } from "zod";
import type { Recommender } from "../models/types.js";
import { listArchitectures } from "../sae/architectures/index.js";
import { makeSaeConfig } from "../sae/config.js";
import { LinearScorer } from "../sae/losses/scorer.js";
import type { AuxKConfig, FrozenScorer, LossConfig } from "../sae/losses/types.js";
import type { SaeConfig } from "../sae/types.js";
import { parseWith } from "../store/validation.js";
import { linearItemMatrix } from "./linear-decoder.js";

/** Reconstruction terms a loss spec may name. */
export const RECONSTRUCTION_TERMS = ["l2", "cosine", "fvu"] as const;
/** One reconstruction term. */
export type ReconstructionTerm = (typeof RECONSTRUCTION_TERMS)[number];

/**
 * Everything one SAE training needs besides the data, as a user states it (CLI flags, API). See
 * {@link resolveSaeSettings} for the defaults.
 */
export const SaeSettingsSchema = z
  .object({
    /** Registered SAE architecture: relu, topk, batchtopk, matryoshka. */
    architecture: z.string().default("topk"),
    /** Active latents per row (TopK family); default: the architecture's (about dIn / 16, at most 32). */
    k: z.number().int().min(1).optional(),
    /** Latents per input dimension: dSae = round(expansion * dIn). */
    expansion: z.number().positive().finite().default(8),
    /**
     * Input normalisation inside the SAE. Default "per-sample": scale-free codes, so a one-item
     * pseudo-user (item activations for labelling) is encoded on the users' scale.
     */
    normalisation: z.enum(["none", "per-sample", "dataset"]).default("per-sample"),
    /** Reconstruction loss: terms joined by "+", each with an optional ":weight", e.g. "l2", "l2+cosine:0.5". */
    loss: z.string().default("l2"),
    /** AuxK weight (dead-latent revival, TopK family); 0 disables. Default 1/32 (0 for relu). */
    auxk: z.number().min(0).finite().optional(),
    /**
     * AuxK's auxiliary reconstruction: "least-squares" scales it per row by its least-squares factor
     * onto the residual, capped at 1; "none" is Gao et al. as published. As published, an
     * overshooting sum is fixed by pushing every dead latent's pre-activation down, and on the small
     * public sets AuxK then raised the dead share (docs/quality.md).
     */
    auxkRescale: z.enum(["least-squares", "none"]).default("least-squares"),
    /**
     * Dictionary initialisation: "data" starts each atom at a training row plus noise, "random" at a
     * random direction (many of which no row ever reaches on low-rank recommender representations).
     */
    init: z.enum(["data", "random"]).default("data"),
    /** L1 sparsity weight (decoder-norm weighted). Default 0 (1e-2 for relu, which needs it). */
    l1: z.number().min(0).finite().optional(),
    /** Prediction-aware loss weight (needs a model with item embeddings); 0 disables. */
    prediction: z.number().min(0).finite().default(0),
    /** Items sampled per batch by the prediction-aware loss. */
    predictionItems: z.number().int().min(1).default(256),
    /**
     * Upper bound on epochs. Early stopping on the validation loss (`patience`) normally ends training
     * first: on the small public sets an epoch is only 3-6 Adam steps, and 20 epochs stopped every run
     * while its validation loss was still falling (docs/quality.md).
     */
    epochs: z.number().int().min(1).default(100),
    lr: z.number().positive().finite().default(1e-3),
    batchSize: z.number().int().min(1).default(256),
    seed: z.number().int().default(42),
    /** Early stopping: epochs without a lower validation loss (0 disables). */
    patience: z.number().int().min(0).default(3),
    /** Samples without firing after which a latent counts as dead; default min(10000, training rows). */
    deadAfter: z.number().int().min(1).optional(),
  })
  .strict();

/** Complete SAE settings (defaults applied). */
export type SaeSettings = z.output<typeof SaeSettingsSchema>;
/** SAE settings as given (every field optional). */
export type SaeSettingsInput = z.input<typeof SaeSettingsSchema>;

/** Validates settings and applies defaults; errors name each bad field and its value. */
export function resolveSaeSettings(input: SaeSettingsInput = {}, where = "SAE settings"): SaeSettings {
  const s = parseWith(SaeSettingsSchema, input, where);
  const archs = listArchitectures();
  if (!archs.includes(s.architecture))
    throw new Error(`${where}: unknown architecture "${s.architecture}" (known: ${archs.join(", ")})`);
  parseLossSpec(s.loss, `${where}: loss`);
  if (s.architecture === "relu" && (s.l1 ?? 1e-2) === 0)
    throw new Error(`${where}: a relu SAE needs an L1 weight > 0 (--l1) to be sparse`);
  return s;
}

/** Parses a loss spec such as "l2", "cosine", "l2+cosine:0.5" into term weights. */
export function parseLossSpec(spec: string, where = "loss"): Partial<Record<ReconstructionTerm, number>> {
  const out: Partial<Record<ReconstructionTerm, number>> = {};
  for (const part of spec.split("+")) {
    const [name, weightText, ...rest] = part.trim().split(":");
    const term = name.trim() as ReconstructionTerm;
    if (!RECONSTRUCTION_TERMS.includes(term))
      throw new Error(
        `${where}: unknown loss term "${name.trim()}" in "${spec}" (known: ${RECONSTRUCTION_TERMS.join(", ")}; combine with +, weight with :w)`,
      );
    const weight = weightText === undefined ? 1 : Number(weightText);
    if (rest.length > 0 || !(weight > 0) || !Number.isFinite(weight))
      throw new Error(`${where}: bad weight in "${part.trim()}" (expected term or term:w with w > 0)`);
    if (out[term] !== undefined) throw new Error(`${where}: "${term}" appears twice in "${spec}"`);
    out[term] = weight;
  }
  return out;
}

/** dSae for an input width: round(expansion * dIn), at least 1. */
export function saeWidth(settings: SaeSettings, dIn: number): number {
  return Math.max(1, Math.round(settings.expansion * dIn));
}

/** The SaeConfig of the settings for inputs of width dIn (the architecture's defaults otherwise). */
export function buildSaeConfig(settings: SaeSettings, dIn: number): SaeConfig {
  const dSae = saeWidth(settings, dIn);
  const usesK = settings.architecture !== "relu";
  if (usesK && settings.k !== undefined && settings.k > dSae)
    throw new Error(
      `SAE settings: k = ${settings.k} exceeds the ${dSae} latents (expansion ${settings.expansion} x ${dIn} inputs)`,
    );
  return makeSaeConfig(settings.architecture, dIn, dSae, {
    normalisation: settings.normalisation,
    ...(usesK && settings.k !== undefined ? { k: settings.k } : {}),
  });
}

/** The dead-after threshold in samples: the setting, else min(10000, training rows). */
export function deadAfterOf(settings: SaeSettings, trainRows: number): number {
  return settings.deadAfter ?? Math.max(1, Math.min(10_000, trainRows));
}

/** The AuxK weight when none is set: 1/32 for the TopK family (Gao et al.), 0 (off) for ReLU. */
export function defaultAuxkWeight(architecture: string): number {
  return architecture === "relu" ? 0 : 1 / 32;
}

/** The AuxK term reclens trains with: variance-normalised, dead after `deadAfter` samples. */
export function auxkTerm(weight: number, deadAfter: number, rescale: AuxKConfig["rescale"]): AuxKConfig {
  return { weight, deadAfter, normalisation: "variance", rescale };
}

/**
 * The loss configuration of the settings: the reconstruction terms, AuxK (TopK family, unless 0),
 * L1 (unless 0) and, with `prediction` > 0, the prediction-aware term on `scorer` (required then).
 */
export function buildLossConfig(settings: SaeSettings, trainRows: number, scorer?: FrozenScorer): LossConfig {
  const loss: LossConfig = {};
  for (const [term, weight] of Object.entries(parseLossSpec(settings.loss)))
    loss[term as ReconstructionTerm] = { weight };
  const relu = settings.architecture === "relu";
  const auxk = settings.auxk ?? defaultAuxkWeight(settings.architecture);
  if (auxk > 0) loss.auxk = auxkTerm(auxk, deadAfterOf(settings, trainRows), settings.auxkRescale);
  const l1 = settings.l1 ?? (relu ? 1e-2 : 0);
  if (l1 > 0) loss.l1 = { weight: l1, decoderNormWeighted: true };
  if (settings.prediction > 0) {
    if (!scorer)
      throw new Error(
        "SAE settings: the prediction-aware loss needs the recommender's scorer (train on a model run, not on embeddings)",
      );
    loss.prediction = { weight: settings.prediction, scorer, items: settings.predictionItems };
  }
  return loss;
}

/**
 * Whether no loss term ties the reconstruction's scale to the data's (cosine is the only
 * reconstruction term and there is no prediction-aware term); such runs start from data atoms
 * scaled to the data (`matchScale`).
 */
export function isScaleFree(losses: LossConfig): boolean {
  return !losses.l2 && !losses.fvu && !losses.prediction;
}

/**
 * The frozen scorer of a recommender for the prediction-aware loss: its decoder as a linear map
 * (linear-decoder.ts: ELSA A, MF Q, SASRec/LightGCN E, GRU4Rec E W^T; terms that do not depend on
 * the representation cancel in the loss). Models without a decoder linear in the representation
 * (NCF, MultVAE, EASE) are refused.
 */
export function modelScorer(model: Recommender): FrozenScorer {
  return new LinearScorer(linearItemMatrix(model));
}
