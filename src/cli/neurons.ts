import { existsSync } from "node:fs";
import type { Command } from "commander";
import { labelsPath, readLabels } from "../concepts/labels.js";
import { NotFound } from "../errors.js";
import { findNeuron, listNeurons, neuronDetail, type NeuronSort } from "../pipeline/neurons.js";
import { readRunLabels, runItemActivations } from "../pipeline/run-labels.js";
import { conceptsDirOf, loadRunSae } from "../pipeline/sae-ref.js";
import { sequenceLine, sequenceNeuronView } from "../pipeline/sequence-neurons.js";
import { runLayout } from "../store/manifest.js";
import { KNOB_MAPPINGS, resolveKnob, type KnobMapping } from "../pipeline/knobs.js";
import { resolutionLines } from "./knob-resolution.js";
import { addDataDirOption, fmtNumber, openRunFromCli, textTable } from "./pipeline-options.js";
import { choiceArg, positiveIntArg } from "./args.js";

/** `reclens neurons list|show`: browse the labelled SAE neurons of a run. */
export function registerNeurons(program: Command): void {
  const neurons = program.command("neurons").description("browse the labelled SAE neurons of a run");
  neurons
    .command("list")
    .description("list labelled neurons with their scores")
    .argument("<run>", "model run directory (labelled with `reclens label`)")
    .option(
      "--sort <key>",
      "id, purity (purity@10), kl or firing (rate over training users)",
      choiceArg<NeuronSort>(["id", "purity", "kl", "firing"]),
      "id",
    )
    .option("--q <text>", "only neurons whose label, description or concept contains this text")
    .option("--limit <n>", "at most this many rows", positiveIntArg)
    .option("--json", "print the rows as JSON")
    .action((run: string, o: { sort: NeuronSort; q?: string; limit?: number; json?: boolean }) => {
      const path = labelsPath(runLayout(run).concepts);
      if (!existsSync(path)) throw new NotFound(`${path}: no labels yet; run \`reclens label ${run}\` first`);
      const rows = listNeurons(readLabels(path), {
        sort: o.sort,
        ...(o.q !== undefined ? { q: o.q } : {}),
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
      });
      if (o.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.log(
        textTable([
          ["neuron", "purity@10", "kl", "firing", "support", "source", "label"],
          ...rows.map((r) => [
            String(r.neuron),
            fmtNumber(r.purity),
            fmtNumber(r.kl),
            fmtNumber(r.firingRate),
            fmtNumber(r.support),
            r.source,
            r.label,
          ]),
        ]),
      );
      if (rows.length === 0) console.log(o.q ? `no neuron matches "${o.q}"` : "no labelled neurons");
    });

  neurons
    .command("resolve")
    .description("what a knob reference (neuron id, concept name or label) resolves to, and the alternatives")
    .argument("<run>", "model run directory (labelled with `reclens label`)")
    .argument("<ref>", 'neuron id ("1724", "#1724"), concept ("Horror", "genre:Horror") or display label')
    .option(
      "--mapping <m>",
      "how a concept maps to neurons: representative (default), unique or direction",
      choiceArg<KnobMapping>([...KNOB_MAPPINGS]),
      "representative",
    )
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option("--json", "print as JSON")
    .action((run: string, ref: string, o: { mapping: KnobMapping; sae?: string; json?: boolean }) => {
      const path = labelsPath(conceptsDirOf(runLayout(run), o.sae));
      if (!existsSync(path)) throw new NotFound(`${path}: no labels yet; run \`reclens label ${run}\` first`);
      const r = resolveKnob(readLabels(path), ref, { mapping: o.mapping }, "ref");
      if (o.json) {
        console.log(JSON.stringify(r, null, 2));
        return;
      }
      const lines = resolutionLines([r], 10);
      if (lines.length === 0)
        console.log(`neuron ${r.neurons[0].neuron}${r.neurons[0].label ? ` "${r.neurons[0].label}"` : ""}`);
      for (const line of lines) console.log(line.replace(/^knob {5}/, ""));
    });

  const show = neurons
    .command("show")
    .description("one neuron: label, scores, top items, tag distribution")
    .argument("<run>", "model run directory")
    .argument("<neuron>", "neuron id or label")
    .option("--top <n>", "top items shown", positiveIntArg, 10)
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option("--json", "print as JSON");
  addDataDirOption(show);
  show.action(
    async (run: string, ref: string, o: { top: number; sae?: string; json?: boolean; dataDir?: string }) => {
      const ctx = await openRunFromCli(run, o);
      const loaded = loadRunSae(ctx, o.sae);
      const doc = readRunLabels(ctx, loaded);
      const j = findNeuron(doc, ref);
      const d = neuronDetail(ctx.dataset, doc, runItemActivations(ctx, loaded), j, o.top);
      // sequential runs: the top-activating sequences, firing position marked (sequence-concepts.json)
      const seq = sequenceNeuronView(conceptsDirOf(ctx.layout, loaded.dir), j, o.top);
      if (o.json) {
        console.log(JSON.stringify(seq ? { ...d, sequences: seq } : d, null, 2));
        return;
      }
      const e = d.entry;
      console.log(`neuron ${j}: ${e ? `"${e.label}" (${e.source})` : "(no label)"}`);
      if (e?.description) console.log(`  ${e.description}`);
      if (e)
        console.log(
          `scores  ${Object.entries(e.scores)
            .map(([k, v]) => `${k} ${fmtNumber(v)}`)
            .join(", ")}`,
        );
      console.log(`top items (${d.support} items activate it):`);
      console.log(
        textTable(d.topItems.map((t, r) => [`${r + 1}.`, fmtNumber(t.activation), t.id, t.title ?? ""])),
      );
      for (const f of d.tags) {
        if (f.top.length === 0) continue;
        console.log(`${f.kind}: ${f.top.map((t) => `${t.tag} ${(100 * t.share).toFixed(1)}%`).join(", ")}`);
      }
      if (seq) {
        const conf = seq.confidence !== undefined ? `, confidence ${fmtNumber(seq.confidence)}` : "";
        const llm =
          seq.llm && "confidence" in seq.llm
            ? `; LLM "${seq.llm.label}" ${fmtNumber(seq.llm.confidence)}`
            : "";
        console.log(`sequence concept: ${seq.terms.map((t) => t.term).join(", ")}${conf}${llm}`);
        console.log(`top sequences (fires on ${seq.sequenceSupport}; [firing item]):`);
        console.log(
          textTable(
            seq.top.map((t, r) => [
              `${r + 1}.`,
              fmtNumber(t.activation),
              t.user ?? `#${t.sequence}`,
              sequenceLine(t),
            ]),
          ),
        );
      }
    },
  );
}
