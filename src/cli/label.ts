import { InvalidArgumentError, type Command } from "commander";
import { labelsPath } from "../concepts/labels.js";
import { LlmNotConfiguredError } from "../concepts/llm.js";
import { DEFAULT_MIN_SUPPORT } from "../concepts/activations.js";
import { editLabelFile } from "../pipeline/label-edit.js";
import { labelRun } from "../pipeline/label-run.js";
import { conceptsDirOf } from "../pipeline/sae-ref.js";
import { runLayout } from "../store/manifest.js";
import { addDataDirOption, fmtNumber, openRunFromCli, textTable } from "./pipeline-options.js";
import { choiceArg, positiveIntArg } from "./args.js";

/** Parses a neuron id argument. */
export function neuronArg(v: string): number {
  if (!/^\d+$/.test(v.trim()))
    throw new InvalidArgumentError(`expected a neuron id (non-negative integer), got "${v}"`);
  return Number(v);
}

interface LabelCliOptions {
  llm?: boolean;
  top: number;
  sae?: string;
  dataDir?: string;
  json?: boolean;
  minSupport: number;
  tagGroups: TagGroupMode;
}

/** `--tag-groups`: tag groups and broad tags ("all"), synonym groups only, or none ("off"). */
const TAG_GROUP_MODES = ["all", "synonyms", "off"] as const;
type TagGroupMode = (typeof TAG_GROUP_MODES)[number];

/**
 * `reclens label <run>`: labels every live SAE neuron (TF-IDF/purity over the dataset's concepts;
 * LLM labels with --llm) and writes <run>/concepts/ (labels.json, purity table, plots), or
 * <sae>/concepts/ with --sae <sae> outside <run>/sae;
 * `reclens label set <run> <neuron> "<label>"` sets a label by hand.
 */
export function registerLabel(program: Command): void {
  const label = program
    .command("label")
    .description("label the SAE neurons of a run (labels.json, purity table, selectivity plots)")
    .argument("<run>", "model run directory with a trained SAE")
    .option("--llm", "also label with an OpenAI-compatible LLM (RECLENS_LLM_BASE_URL, RECLENS_LLM_MODEL)")
    .option("--top <n>", "top-activating items shown per neuron to the LLM", positiveIntArg, 10)
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option(
      "--min-support <n>",
      "items a neuron must fire on to be a concept's best neuron or a tag's TF-IDF match",
      positiveIntArg,
      DEFAULT_MIN_SUPPORT,
    )
    .option(
      "--tag-groups <mode>",
      'concepts built from the tags: "all" = synonym groups ("tag group") and broad tags ("metal (all)"), ' +
        '"synonyms" = synonym groups only, "off" = the dataset\'s families only',
      choiceArg(TAG_GROUP_MODES),
      "all",
    )
    .option("--json", "print the purity and selectivity summaries as JSON");
  addDataDirOption(label);
  label.action(async (run: string, o: LabelCliOptions) => {
    const ctx = await openRunFromCli(run, o);
    let r;
    try {
      r = await labelRun(ctx, {
        ...(o.llm ? { llm: true } : {}),
        top: o.top,
        minSupport: o.minSupport,
        tagGroups: o.tagGroups === "off" ? false : o.tagGroups === "synonyms" ? { broad: false } : {},
        ...(o.sae ? { saeDir: o.sae } : {}),
      });
    } catch (err) {
      if (err instanceof LlmNotConfiguredError) throw new Error(`--llm: ${err.message}`);
      throw err;
    }
    if (o.json) {
      console.log(
        JSON.stringify(
          {
            labels: r.files.labels,
            purity: { ...r.purity, neurons: undefined },
            selectivity: r.selectivity,
            labelQuality: r.labelQuality,
            ...(r.sequences ? { sequenceConcepts: r.sequences.summary } : {}),
            files: r.files,
          },
          null,
          2,
        ),
      );
      return;
    }
    const p = r.purity;
    console.log(
      `labels     ${r.files.labels}  (${Object.keys(r.doc.labels).length} of ${r.doc.neurons} neurons; ${r.labeller.activity.live.length} live on items; item vectors: ${r.itemVectors})`,
    );
    if (r.keptManual > 0) console.log(`kept       ${r.keptManual} hand-set label(s)`);
    const q = r.labelQuality;
    const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
    console.log(
      `unique     ${pct(q.uniqueShare)} of ${q.live} live neurons have a label of their own (${q.distinctLabels} distinct labels; ${q.idSuffixed} needed the "#id" suffix)`,
    );
    console.log(
      `agreeing   ${pct(q.agreeingShare)} of live neurons: the label's concept is on >= ${q.agreementPurity * 100}% of their top ${q.k} items ` +
        `(${pct(q.fullTop.share)} of the ${q.fullTop.neurons} firing on >= ${q.k} items)`,
    );
    if (r.sequences) {
      const q = r.sequences.summary;
      const llm = q.llm ? `; LLM ${fmtNumber(q.llm.confidentShare)} (${q.llm.failures} failed)` : "";
      console.log(
        `sequences  ${q.live} latents live on ${q.sequences} sequences; confidence >= ${q.confidentAt}: ${fmtNumber(q.confidentShare)} of them ` +
          `(mean ${fmtNumber(q.meanConfidence)}, chance ${fmtNumber(q.chance.meanConfidence)})${llm}; see ${r.sequences.files.sequenceConfidence}`,
      );
    }
    if (r.llm) {
      console.log(`llm        ${r.llm.labelled} labelled, ${r.llm.failures.size} failed`);
      const first = r.llm.failures.entries().next().value;
      if (first) console.log(`           first failure (neuron ${first[0]}): ${first[1]}`);
    }
    console.log(
      textTable([
        ["purity", ...p.ks.map((k) => `@${k}`), ""],
        ["neurons", ...p.ks.map((k) => String(p.counted[String(k)])), "(support >= K)"],
        ["mean", ...p.ks.map((k) => fmtNumber(p.meanPurity[String(k)])), ""],
        [">= 0.9", ...p.ks.map((k) => fmtNumber(p.shareAbove90[String(k)])), ""],
      ]),
    );
    console.log(
      `concepts   ${p.concepts.length} concepts label at least one neuron; see ${r.files.purityMarkdown}`,
    );
    const s = r.selectivity;
    console.log(
      textTable([
        [
          "selectivity",
          "tags",
          "live",
          "with mass",
          `KL >= ${s.klThreshold}`,
          "share",
          "median KL",
          "mean norm. H",
        ],
        ...s.families.map((f) => [
          f.family,
          String(f.tags),
          String(f.liveNeurons),
          String(f.withMass),
          String(f.klAtLeast),
          fmtNumber(f.shareKlAtLeast),
          fmtNumber(f.medianKl),
          fmtNumber(f.meanNormalisedEntropy),
        ]),
        [
          "any family",
          "",
          String(s.families[0]?.liveNeurons ?? r.labeller.activity.live.length),
          "",
          String(s.anyFamily.klAtLeast),
          fmtNumber(s.anyFamily.shareKlAtLeast),
          "",
          "",
        ],
      ]),
    );
  });

  label
    .command("set")
    .description("set a neuron's label by hand (kept when the labeller runs again)")
    .argument("<run>", "model run directory")
    .argument("<neuron>", "neuron id", neuronArg)
    .argument("<label>", "the new label")
    .option("--description <text>", "a longer description")
    .option("--sae <dir>", "SAE directory (default <run>/sae): its labels are edited")
    .action((run: string, neuron: number, text: string, o: { description?: string; sae?: string }) => {
      const path = labelsPath(conceptsDirOf(runLayout(run), o.sae));
      const { entry } = editLabelFile(path, {
        neuron,
        label: text,
        ...(o.description !== undefined ? { description: o.description } : {}),
      });
      console.log(`neuron ${neuron}: "${entry.label}" (manual) -> ${path}`);
    });
}
