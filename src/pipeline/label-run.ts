import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MIN_SUPPORT } from "../concepts/activations.js";
import { conceptKnobs } from "../concepts/concept-knobs.js";
import { labelQuality, type LabelQuality } from "../concepts/label-quality.js";
import { labelEntries, labelNeurons, type LabellerResult } from "../concepts/labeller.js";
import {
  emptyLabels,
  labelsPath,
  mergeLabels,
  readLabels,
  writeLabels,
  type LabelsDoc,
} from "../concepts/labels.js";
import { LlmClient, resolveLlmConfig, type LlmConfig, type LlmDeps } from "../concepts/llm.js";
import { llmLabelNeurons } from "../concepts/llm-labeller.js";
import { histogramSvg, selectivityCharts } from "../plot/charts.js";
import { PURITY_KS } from "../concepts/purity.js";
import { selectivitySummary, type SelectivitySummary } from "../concepts/selectivity-summary.js";
import { Unavailable } from "../errors.js";
import { writeFileAtomic } from "../store/atomic.js";
import { progressTask, type ProgressOptions } from "../store/progress.js";
import type { Matrix } from "../tensor/matrix.js";
import { CONCEPTS_SUMMARY_FILE, recordedSaeFingerprint } from "./concepts-summary.js";
import {
  ITEM_ACTIVATIONS_FILE,
  itemActivations,
  itemVectorSource,
  saveItemActivations,
  type ItemVectorSource,
} from "./item-activations.js";
import { purityMarkdown, purityReport, type PurityReport } from "./purity-report.js";
import {
  isPositionEncoder,
  isTwoTower,
  saeTrainingRows,
  trainingRepresentations,
} from "./representations.js";
import {
  sequenceLabelRun,
  USER_WINDOW,
  userStatesAsPositions,
  type SequenceLabelResult,
} from "./sequence-label.js";
import type { ModelRunContext } from "./run-context.js";
import { conceptsDirOf, loadRunSae } from "./sae-ref.js";
import { firingRates } from "./sae-metrics.js";
import { FITTED_MAX_DIM, withFittedDirections } from "./fitted-directions.js";
import { DEFAULT_TAG_GROUPS, type TagGroupOptions } from "../concepts/tag-groups.js";

/** Options of {@link labelRun}. */
export interface LabelRunOptions {
  /** SAE directory (default `<run>/sae`). */
  readonly saeDir?: string;
  /** Also label with an LLM (OpenAI-compatible endpoint from `llmConfig` or RECLENS_LLM_* variables). */
  readonly llm?: boolean;
  readonly llmConfig?: Partial<LlmConfig>;
  /** Injected HTTP (tests). */
  readonly llmDeps?: LlmDeps;
  /** Top-activating items shown to the LLM per neuron (default 10). */
  readonly top?: number;
  /** K values of the purity table (default 10, 20, 50). */
  readonly ks?: readonly number[];
  /** Minimum item support of a concept's best neuron and of the TF-IDF tag -> neuron matches (default 20). */
  readonly minSupport?: number;
  /**
   * Tag-group concepts (concepts/tag-groups.ts: synonymous tags merged, family "tag group"; broad
   * tags such as "metal (all)", family "broad tag") as label candidates beside the dataset's
   * families: thresholds (default DEFAULT_TAG_GROUPS), or false to label with the dataset's families
   * only.
   */
  readonly tagGroups?: Partial<TagGroupOptions> | false;
  /**
   * Progress (live line on a TTY outside CI; see store/progress.ts): the labelling stages (item
   * activations, concept labeller, firing rates), then the LLM calls one by one.
   */
  readonly progress?: ProgressOptions;
  /**
   * Fit each concept's direction to its items through the model (default true; fitted-directions.ts);
   * false keeps the selective neurons of concept-knobs.ts.
   */
  readonly fittedDirections?: boolean;
}

/** What {@link labelRun} produced. */
export interface LabelRunResult {
  readonly doc: LabelsDoc;
  readonly labeller: LabellerResult;
  readonly itemActivations: Matrix;
  readonly itemVectors: ItemVectorSource;
  readonly purity: PurityReport;
  /** Per-family KL/entropy selectivity of the live neurons (KL >= 2 nats share). */
  readonly selectivity: SelectivitySummary;
  /** Share of live neurons with a unique label and with a label agreeing with their top items. */
  readonly labelQuality: LabelQuality;
  /** Firing rate of each latent over the training users. */
  readonly firing: Float64Array;
  readonly llm?: { readonly labelled: number; readonly failures: Map<number, string> };
  /** Paths written, by role. */
  readonly files: Record<string, string>;
  /** Manual labels from an earlier labels.json that were kept. */
  readonly keptManual: number;
  /** Sequential runs: the concepts of sequences and their confidence (sequence-label.ts). */
  readonly sequences?: SequenceLabelResult;
}

/** The stages of {@link labelRun} before the LLM calls, as its progress line names them. */
const LABEL_STAGES = [
  "item activations",
  "concept labeller (TF-IDF, purity, selectivity)",
  "user firing rates",
];

/** The error of a labelling that labelled no neuron, with the likely reason and what to do. */
function nothingLabelled(
  ctx: ModelRunContext,
  neurons: number,
  live: number,
  minSupport: number,
): Unavailable {
  return new Unavailable(
    live === 0
      ? `no neuron labelled: none of the SAE's ${neurons} neurons fires on any item (a dead or broken SAE); ` +
          `retrain it with \`reclens sae train --run ${ctx.dir} --force\``
      : `no neuron labelled: ${live} of ${neurons} neurons fire on items, but none matches a concept on at least ` +
          `${minSupport} items; lower --min-support or label with --llm`,
    "labels",
  );
}

/** The labels to merge over: the existing file's, unless they belong to another SAE (then none). */
function existingLabels(
  path: string,
  conceptsDir: string,
  neurons: number,
  fingerprint: string,
): LabelsDoc | undefined {
  if (!existsSync(path)) return undefined;
  const recorded = recordedSaeFingerprint(conceptsDir);
  if (recorded !== undefined && recorded !== fingerprint) return undefined;
  const doc = readLabels(path);
  return doc.neurons === neurons ? doc : undefined;
}

/** The labelling stages before the LLM calls, each shown on the progress line (see LABEL_STAGES). */
function labelStages(ctx: ModelRunContext, sae: ReturnType<typeof loadRunSae>["sae"], opts: LabelRunOptions) {
  const stages = progressTask("label", LABEL_STAGES.length, opts.progress);
  const stage = (k: number): void => stages.set(k, LABEL_STAGES[k] ?? "done", true);
  try {
    stage(0);
    const source = itemVectorSource(ctx.model);
    const z = itemActivations(ctx.model, sae, source);
    stage(1);
    const ks = opts.ks ?? PURITY_KS;
    const popularity = new Float64Array(ctx.dataset.items.length);
    for (const i of ctx.split.train.indices) popularity[i]++;
    const minSupport = opts.minSupport ?? DEFAULT_MIN_SUPPORT;
    const labeller = labelNeurons(z, ctx.dataset.concepts, {
      tagGroups: opts.tagGroups ?? DEFAULT_TAG_GROUPS,
      ks,
      popularity,
      minSupport,
      itemIds: ctx.dataset.items,
      ...(ctx.dataset.itemTitles ? { titles: ctx.dataset.itemTitles } : {}),
    });
    const selectivity = selectivitySummary(
      labeller.families.map((a) => ({
        kind: a.family.kind,
        tags: a.family.names.length,
        neurons: a.neuronSelectivity,
      })),
      labeller.activity.live,
    );
    stage(2);
    // sequential models: over the SAE's own rows (every position of the training sequences)
    const rows = ctx.model.sequential
      ? saeTrainingRows(ctx.model, ctx.split).rows
      : trainingRepresentations(ctx.model, ctx.split.train);
    const firing = firingRates(sae, rows);
    stage(3);
    stages.finish(`${labeller.activity.live.length} of ${sae.dSae} neurons fire on items`);
    // the training users' representations (not sequential), reused by the concepts of sequences
    const users = ctx.model.sequential ? undefined : rows;
    return { source, z, ks, minSupport, labeller, selectivity, firing, users };
  } catch (err) {
    stages.finish(); // end the live line before the error is printed
    throw err;
  }
}

/**
 * `reclens label`: item activations Z of the run's SAE (onehot pseudo-users, or item embeddings for
 * two-tower models), the default TF-IDF/purity labeller over the dataset's concept families (and, with
 * `llm`, LLM labels on top), user firing rates as a "firingRate" score, then writes into
 * the SAE's concepts directory (`<run>/concepts/`, or `<sae>/concepts/` for an SAE outside `<run>/sae`; see conceptsDirOf) atomically: labels.json (hand-set labels are kept unless the existing labels were
 * made for another SAE, which are replaced), purity.md / purity.json
 * (purity@10/20/50), selectivity SVG charts per family (<kind>-neuron-entropy.svg, ...),
 * purity histogram, item-activations.safetensors and summary.json (with the per-family selectivity
 * summary: share of live neurons whose tag distribution is >= 2 nats KL from the mean, mean
 * normalised entropy; and `labelQuality`: the shares of live neurons with a unique label and with a
 * label whose concept holds on >= 60% of their top-10 items). labels.json (format 2) also holds every
 * concept as a knob (concept-knobs.ts) for `--boost "<concept>:<alpha>"`. Unless `tagGroups` is
 * false, the labeller also chooses among tag groups and broad tags (tag-groups.ts). Sequential runs,
 * and two-tower runs on a leave-one-out split (a user's state at the end of their history), also get
 * RecSAE's concepts of sequences with their confidence (sequence-label.ts).
 */
export async function labelRun(ctx: ModelRunContext, opts: LabelRunOptions = {}): Promise<LabelRunResult> {
  const families = ctx.dataset.concepts;
  if (families.length === 0 && !opts.llm && !isPositionEncoder(ctx.model))
    throw new Error(
      `${ctx.dataset.name} has no item concepts (genres, tags) for the default labeller; use --llm with an endpoint`,
    );
  const llmConfig = opts.llm ? resolveLlmConfig(opts.llmConfig ?? {}) : undefined; // fail early when not configured
  const { sae, dir: saeDir, fingerprint } = loadRunSae(ctx, opts.saeDir);
  const { source, z, ks, minSupport, labeller, selectivity, firing, users } = labelStages(ctx, sae, opts);
  const dir = conceptsDirOf(ctx.layout, saeDir);
  const labelsFile = labelsPath(dir);
  const previous = existingLabels(labelsFile, dir, sae.dSae, fingerprint);
  const entries = labelEntries(labeller);
  for (const [n, e] of entries) e.scores.firingRate = firing[n];
  let doc = mergeLabels(previous ?? emptyLabels(sae.dSae), entries);
  let llm: LabelRunResult["llm"];
  const client = llmConfig ? new LlmClient(llmConfig, opts.llmDeps ?? {}) : undefined;
  let sequences: SequenceLabelResult | undefined;
  const seqOpts = {
    ...(client ? { llm: client } : {}),
    ...(opts.progress ? { progress: opts.progress } : {}),
  };
  if (isPositionEncoder(ctx.model)) {
    sequences = await sequenceLabelRun(ctx, ctx.model, sae, dir, doc, seqOpts);
    doc = sequences.doc;
  } else if (users && isTwoTower(ctx.model) && ctx.split.trainSequences) {
    // RecSAE's concepts of sequences for two-tower/graph runs on leave-one-out: a user's state sits
    // at the last position of their history; the item-level label stays primary.
    const states = userStatesAsPositions(ctx, users);
    sequences = await sequenceLabelRun(ctx, states, sae, dir, doc, {
      ...seqOpts,
      weighting: USER_WINDOW,
      primary: false,
    });
    doc = sequences.doc;
  }
  if (client && llmConfig) {
    const task = progressTask("llm labels", labeller.activity.live.length, opts.progress);
    const r = await llmLabelNeurons(client, z, labeller.activity.live, {
      topItems: opts.top ?? 10,
      families,
      previous: doc,
      ...(ctx.dataset.itemTitles ? { titles: ctx.dataset.itemTitles } : {}),
      onProgress: (done, _total, failed) => task.set(done, failed > 0 ? `${failed} failed` : ""),
    });
    task.finish();
    if (r.entries.size === 0 && r.failures.size > 0) {
      const first = r.failures.values().next().value as string;
      throw new Unavailable(
        `--llm: every LLM call failed (${r.failures.size} neuron(s), nothing labelled by ${llmConfig.baseUrl}); first error: ${first}`,
        "llm",
      );
    }
    doc = mergeLabels(doc, r.entries);
    llm = { labelled: r.entries.size, failures: r.failures };
  }
  if (Object.keys(doc.labels).length === 0)
    throw nothingLabelled(ctx, sae.dSae, labeller.activity.live.length, minSupport);
  doc = { ...doc, concepts: conceptKnobs(labeller, { minSupport }) };
  // concept directions fitted to the concepts' items through this model (issue 18, part 5); not
  // for sequential models (not measured) nor wide representations (EASE: d = items, a d x d system)
  if (opts.fittedDirections !== false && !ctx.model.sequential && ctx.model.dim <= FITTED_MAX_DIM)
    doc = { ...doc, concepts: withFittedDirections(ctx, sae, z, doc.concepts ?? [], minSupport) };
  writeLabels(labelsFile, doc);
  const labelQualityReport = labelQuality(doc, labeller.activity.live, labeller.top, labeller.families);
  const files: Record<string, string> = { labels: labelsFile, ...sequences?.files };
  const purity = purityReport(labeller, ks, minSupport);
  files.purityMarkdown = join(dir, "purity.md");
  files.purityJson = join(dir, "purity.json");
  writeFileAtomic(files.purityMarkdown, purityMarkdown(purity));
  writeFileAtomic(files.purityJson, `${JSON.stringify(purity, null, 2)}\n`);
  for (const a of labeller.families) {
    for (const [name, svg] of Object.entries(
      selectivityCharts(a.family.kind, a.neuronSelectivity, a.tagSelectivity),
    )) {
      const path = join(dir, `${a.family.kind.replace(/[^A-Za-z0-9_-]+/g, "_")}-${name}`);
      files[`${a.family.kind}/${name}`] = path;
      writeFileAtomic(path, svg);
    }
  }
  const k0 = ks[0];
  files.purityHistogram = join(dir, `purity-at-${k0}.svg`);
  writeFileAtomic(
    files.purityHistogram,
    histogramSvg(
      purity.neurons.filter((n) => n.purity[String(k0)] !== undefined).map((n) => n.purity[String(k0)]),
      {
        title: `purity@${k0} of each labelled neuron`,
        xLabel: `purity@${k0}`,
        yLabel: "neurons",
        bins: 20,
        range: [0, 1],
      },
    ),
  );
  files.itemActivations = join(dir, ITEM_ACTIVATIONS_FILE);
  saveItemActivations(files.itemActivations, z, { source, sae: fingerprint });
  files.summary = join(dir, CONCEPTS_SUMMARY_FILE);
  const keptManual = Object.values(doc.labels).filter((e) => e.source === "manual").length;
  writeFileAtomic(
    files.summary,
    `${JSON.stringify(
      {
        sae: { dir: saeDir, fingerprint },
        itemVectors: source,
        neurons: sae.dSae,
        liveOnItems: labeller.activity.live.length,
        labelled: Object.keys(doc.labels).length,
        keptManual,
        minSupport,
        tagGroups: opts.tagGroups === false ? false : { ...DEFAULT_TAG_GROUPS, ...opts.tagGroups },
        purity: { counted: purity.counted, mean: purity.meanPurity, shareAbove90: purity.shareAbove90 },
        labelQuality: labelQualityReport,
        selectivity,
        ...(llm ? { llm: { labelled: llm.labelled, failures: Object.fromEntries(llm.failures) } } : {}),
        ...(sequences ? { sequenceConcepts: sequences.summary } : {}),
        files,
      },
      null,
      2,
    )}\n`,
  );
  return {
    doc,
    labeller,
    itemActivations: z,
    itemVectors: source,
    purity,
    selectivity,
    labelQuality: labelQualityReport,
    firing,
    ...(llm ? { llm } : {}),
    files,
    keptManual,
    ...(sequences ? { sequences } : {}),
  };
}
