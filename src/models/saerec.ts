import { z } from "zod";
import { tensorFromMatrix, type TensorInput } from "../store/safetensors.js";
import { Tape, param, type Variable } from "../tensor/autograd/index.js";
import { tableSoftmaxCrossEntropy } from "../tensor/autograd/loss-table-softmax.js";
import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Adam } from "../tensor/optim/index.js";
import type { Rng } from "../tensor/rng.js";
import { saveArtifact, type ModelArtifact } from "./artifact.js";
import { BaseRecommender } from "./base.js";
import type { ModelFactory } from "./registry.js";
import { headsDivideDim, sasrecBackboneFields, sasrecTrainingFields } from "./sasrec-config.js";
import {
  emptySequenceState,
  initParams,
  paramSpecs,
  sasrecForward,
  type SasRecParams,
} from "./sasrec-net.js";
import { fuseIntents, initSpecs, intentParamSpecs, type Branch } from "./saerec-net.js";
import { priorsFromArtifact, priorsTensors, type PriorsExtra } from "./saerec-priors-io.js";
import {
  checkPriors,
  intentStats,
  publicIntents,
  type IntentPriors,
  type IntentStats,
} from "./saerec-retrieval.js";
import { IntentSlotter } from "./saerec-slots.js";
import { checkSequences, type PackedSequences } from "./sequence-batch.js";
import {
  batchSequences,
  encodeAllPositions,
  encodeLastPositions,
  type SequenceStates,
} from "./sequence-encode.js";
import { runSequenceEpochs, trainableOrder, trainingSequences } from "./sequence-training.js";
import type { FitContext, FitReport, UserBatch } from "./types.js";

/**
 * SAERec hyperparameters: SASRec's backbone and training fields (same defaults; `heads` also
 * serves the intent branches, `dropout` also their outputs) plus the intent branches.
 */
export const SaeRecConfigSchema = z
  .object({
    ...sasrecBackboneFields,
    /**
     * Intent branches (the ablation switch): none (SASRec through this code), random (both
     * branches fed hashed random intents), personal, public, or both.
     */
    intents: z.enum(["none", "random", "personal", "public", "both"]).default("both"),
    /** How the sequence state and the intent branches are fused. */
    fusion: z.enum(["add", "concat", "gate"]).default("add"),
    /** Personal intents per user (and position). */
    personalK: z.number().int().min(1).max(256).default(5),
    /**
     * Personal retrieval's recency window: the last N items of the prefix (0: the whole prefix,
     * as the paper).
     */
    personalWindow: z.number().int().min(0).max(100000).default(0),
    /** Public intents (the same for every user). */
    publicK: z.number().int().min(1).max(256).default(5),
    ...sasrecTrainingFields,
  })
  .strict()
  .superRefine(headsDivideDim);

/** Complete SAERec config. */
export type SaeRecConfig = z.infer<typeof SaeRecConfigSchema>;

/** The branches a config runs. */
export function branchesOf(c: Pick<SaeRecConfig, "intents">): Branch[] {
  if (c.intents === "none") return [];
  if (c.intents === "personal") return ["personal"];
  if (c.intents === "public") return ["public"];
  return ["personal", "public"];
}

/** What explanations read from a fitted SAERec (see saerec-explain.ts). */
export interface SaeRecInternals {
  readonly params: Readonly<Record<string, Variable>>;
  readonly priors: IntentPriors;
  readonly stats: IntentStats;
  readonly publicIds: Int32Array;
  readonly branches: readonly Branch[];
  readonly slotter: IntentSlotter;
}

/**
 * SAERec (Xia et al., arXiv 2606.18897): SASRec's causal transformer as the sequence branch, plus a
 * personal-intent branch and a public-intent branch that attend from every sequence state to a few
 * intents of an SAE intent library (src/intents/), fused by add, concat or gate (saerec-net.ts) and
 * scored against the item table with the full softmax. Personal intents of a position are the
 * TF-IDF-best intents of the items seen up to it (saerec-retrieval.ts: no later item leaks into
 * training); public intents are the k with the highest document frequency x label confidence.
 * Attach the library with {@link attachIntents} before `fit`; it is stored with the model.
 * Probing site: the fused last-position state; `decode(z) = z E^T`.
 */
export class SaeRec extends BaseRecommender<SaeRecConfig> {
  readonly name = "saerec";
  readonly sequential = true;
  private params: SasRecParams | undefined;
  private priors: IntentPriors | undefined;
  private stats: IntentStats | undefined;
  private publicIds: Int32Array = new Int32Array(0);

  /** Unfitted model with the given complete config. */
  constructor(config: SaeRecConfig) {
    super(config);
  }

  /** d. */
  get dim(): number {
    return this.params ? this.config.dim : 0;
  }

  /** The intent branches this model runs. */
  get branches(): Branch[] {
    return branchesOf(this.config);
  }

  /** The intent library (aligned to the dataset's items) to train with; required unless intents is none. */
  attachIntents(priors: IntentPriors): void {
    checkPriors(`${this.name}.attachIntents`, priors);
    this.priors = priors;
  }

  /** The attached or stored intent library, if any. */
  get intentPriors(): IntentPriors | undefined {
    return this.priors;
  }

  /** The public intents (library indices, best first). */
  get publicIntentIds(): Int32Array {
    return this.publicIds;
  }

  /** The item table E (items x d): output scores are z E^T. */
  encodeItems(): Matrix {
    this.requireFitted("encodeItems");
    return (this.params as SasRecParams).item.value;
  }

  /** Weights, library and retrieval state for explanations; throws before fit or without intents. */
  internals(): SaeRecInternals {
    this.requireFitted("internals");
    if (!this.priors || !this.stats)
      throw new Error(`${this.name}: this model runs no intent branch (intents is "${this.config.intents}")`);
    return {
      params: this.params as SasRecParams,
      priors: this.priors,
      stats: this.stats,
      publicIds: this.publicIds,
      branches: this.branches,
      slotter: this.slotter(),
    };
  }

  private slotter(): IntentSlotter {
    const c = this.config;
    return new IntentSlotter(this.priors as IntentPriors, (this.stats as IntentStats).idf, this.publicIds, {
      personalK: c.personalK,
      publicK: c.publicK,
      personalWindow: c.personalWindow,
      random: c.intents === "random",
      branches: this.branches,
    });
  }

  async fit(train: Csr, ctx: FitContext): Promise<FitReport> {
    const seqs = trainingSequences(this.name, train, ctx);
    const c = this.config;
    const branches = this.branches;
    if (branches.length > 0) {
      if (!this.priors)
        throw new Error(
          `${this.name}.fit: no intent library attached (train with --intents <library>, or set intents=none)`,
        );
      checkPriors(`${this.name}.fit`, this.priors, train.cols);
      this.stats = intentStats(seqs, this.priors.activations);
      const pub = publicIntents(this.stats.df, this.priors.confidence, c.publicK);
      this.publicIds = c.intents === "random" ? randomPublic(pub.length, this.priors.labels.length) : pub;
    } else {
      this.priors = undefined;
      this.stats = undefined;
    }
    const order = trainableOrder(this.name, seqs);
    const p = initParams(train.cols, c, ctx.rng);
    const extra = this.priors ? intentParamSpecs(this.priors.vectors.cols, branches, c) : [];
    initSpecs(extra, ctx.rng, p);
    this.params = p;
    this.items = train.cols;
    const list = [...paramSpecs(train.cols, c), ...extra].map((s) => p[s.name]);
    const opt = new Adam(
      [{ params: [p.item], weightDecay: c.l2 }, { params: list.filter((v) => v !== p.item) }],
      { lr: c.lr, beta2: c.beta2 },
    );
    const slotter = branches.length > 0 ? this.slotter() : undefined;
    const cache = slotter?.trainingCache(seqs);
    return runSequenceEpochs({
      model: this,
      ctx,
      config: c,
      seqs,
      order,
      weights: list,
      optimizer: opt,
      loss: (t, batch, pick) => {
        const inputs = slotter?.trainingInputs(batch, seqs, pick, cache as Int32Array[]);
        const h = this.network(t, batch, inputs, ctx.rng);
        return tableSoftmaxCrossEntropy(t, h, p.item, batch.targets as Int32Array);
      },
    });
  }

  /** Sequence branch, then the intent branches and fusion (when the config has any). */
  private network(
    t: Tape,
    batch: PackedSequences,
    inputs: ReturnType<IntentSlotter["trainingInputs"]> | undefined,
    rng?: Rng,
  ): Variable {
    const p = this.params as SasRecParams;
    const h = sasrecForward(t, p, batch, this.config, rng);
    return inputs ? fuseIntents(t, p, h, inputs, this.branches, this.config, rng) : h;
  }

  /** Inference forward pass; personal slots at every row (all) or only at each sequence's last row. */
  private forward(
    seqs: readonly Int32Array[],
    packed: PackedSequences,
    pick: ArrayLike<number>,
    all: boolean,
  ): Matrix {
    const t = Tape.inference();
    const inputs =
      this.branches.length > 0 ? this.slotter().inferenceInputs(packed, seqs, pick, all) : undefined;
    return this.network(t, packed, inputs).value;
  }

  /**
   * Fused states (no dropout) at every position of each sequence's last `maxLen` items, each with
   * the personal intents of its own prefix: what SAEs are trained on.
   */
  encodePositions(sequences: readonly Int32Array[]): SequenceStates {
    this.requireFitted("encodePositions");
    checkSequences(`${this.name}.encodePositions`, sequences, this.items);
    const { maxLen, dim } = this.config;
    return encodeAllPositions(sequences, maxLen, dim, (packed, pick) =>
      this.forward(sequences, packed, pick, true),
    );
  }

  /**
   * The probing site: the fused state of each sequence's last position (users x d), its personal
   * intents retrieved from the whole sequence. An empty sequence gets the fusion of SASRec's empty
   * state (the final layer norm's bias) with no personal intent and the public ones.
   */
  encodeUsers(batch: UserBatch): Matrix {
    this.checkBatch(batch, "encodeUsers");
    const seqs = batchSequences(`${this.name}.encodeUsers`, batch, this.items);
    const { maxLen, dim } = this.config;
    // The empty state costs a forward pass of the intent branches: only computed when it is used.
    const empty = seqs.some((s) => s.length === 0) ? this.emptyState() : new Float32Array(0);
    return encodeLastPositions(
      seqs,
      maxLen,
      dim,
      (packed, pick) => this.forward(seqs, packed, pick, false),
      empty,
    );
  }

  /** Scores z E^T (users x items). */
  decode(z: Matrix, batch?: UserBatch): Matrix {
    this.checkCode(z, "decode", batch);
    const e = (this.params as SasRecParams).item.value;
    return kernels().gemm(false, true, 1, z, e, 0, new Matrix(z.rows, e.rows));
  }

  /** Saves every weight by name, plus the intent library it was trained with (when it has branches). */
  save(dir: string): void {
    this.requireFitted("save");
    const p = this.params as SasRecParams;
    const tensors: Record<string, TensorInput> = {};
    const specs = [...paramSpecs(this.items, this.config)];
    if (this.priors) specs.push(...intentParamSpecs(this.priors.vectors.cols, this.branches, this.config));
    for (const s of specs) tensors[s.name] = tensorFromMatrix(p[s.name].value);
    let extra: Record<string, unknown> = {};
    if (this.priors && this.stats) {
      const io = priorsTensors(this.priors, this.stats, this.publicIds);
      Object.assign(tensors, io.tensors);
      extra = { ...io.extra };
    }
    saveArtifact(dir, { model: this.name, config: this.config, nItems: this.items, extra }, tensors);
  }

  /** Rebuilds a fitted model (and its intent library) from a saved directory. */
  static fromArtifact(config: SaeRecConfig, artifact: ModelArtifact): SaeRec {
    const m = new SaeRec(config);
    const n = artifact.json.nItems;
    const p: SasRecParams = {};
    const specs = [...paramSpecs(n, config)];
    if (branchesOf(config).length > 0) {
      const back = priorsFromArtifact(artifact, artifact.json.extra as unknown as PriorsExtra, n);
      m.priors = back.priors;
      m.stats = back.stats;
      m.publicIds = back.publicIds;
      specs.push(...intentParamSpecs(back.priors.vectors.cols, branchesOf(config), config));
    }
    for (const s of specs) p[s.name] = param(artifact.matrixOfShape(s.name, s.rows, s.cols), s.name);
    m.params = p;
    m.items = n;
    return m;
  }

  /** The fused state of an empty sequence. */
  private emptyState(): Float32Array {
    const p = this.params as SasRecParams;
    const state = emptySequenceState(p, this.config);
    if (this.branches.length === 0) return state;
    const bias = new Matrix(1, state.length, state);
    const t = Tape.inference();
    const inputs = this.slotter().rowsInputs(new Int32Array(this.config.personalK).fill(-1), 1);
    return fuseIntents(t, p, t.add(bias, new Matrix(1, bias.cols)), inputs, this.branches, this.config).value
      .data;
  }
}

/** The public slots of the random ablation: `k` intents drawn by a fixed hash (content-free). */
function randomPublic(k: number, n: number): Int32Array {
  const out = new Int32Array(Math.min(k, n));
  let h = 0x2545f491;
  const used = new Set<number>();
  for (let j = 0; j < out.length; j++) {
    let c: number;
    do {
      h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
      c = h % n;
    } while (used.has(c));
    used.add(c);
    out[j] = c;
  }
  return out;
}

/** Registry entry for SAERec. */
export const saeRecFactory: ModelFactory<SaeRecConfig> = {
  name: "saerec",
  description:
    "SAERec (Xia et al. 2026): SASRec plus personal/public intent branches over an SAE intent library (--intents); probing site = fused last state",
  schema: SaeRecConfigSchema,
  create: (config) => new SaeRec(config),
  load: (config, artifact) => SaeRec.fromArtifact(config, artifact),
};
