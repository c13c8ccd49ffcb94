import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { emptyLabels, labelsPath, readLabels, type LabelsDoc } from "../concepts/labels.js";
import { Conflict } from "../errors.js";
import { shortHash } from "../store/lineage.js";
import type { Matrix } from "../tensor/matrix.js";
import { ITEM_ACTIVATIONS_FILE, itemActivations, loadItemActivations } from "./item-activations.js";
import { recordedSaeFingerprint } from "./concepts-summary.js";
import type { ModelRunContext } from "./run-context.js";
import { conceptsDirOf, type LoadedSae } from "./sae-ref.js";

/**
 * The labels of a run for the loaded SAE: labels.json in its concepts directory ({@link conceptsDirOf}),
 * or no labels when there is none yet (neuron ids still work). Throws when the labels were computed for another SAE (the
 * fingerprint recorded in concepts/summary.json differs) or for another number of neurons.
 */
export function readRunLabels(ctx: ModelRunContext, loaded: LoadedSae): LabelsDoc {
  const dir = conceptsDirOf(ctx.layout, loaded.dir);
  const path = labelsPath(dir);
  if (!existsSync(path)) return emptyLabels(loaded.sae.dSae);
  const recorded = recordedSaeFingerprint(dir);
  if (recorded !== undefined && recorded !== loaded.fingerprint) {
    const own = resolve(loaded.dir) === resolve(ctx.layout.sae);
    throw new Conflict(
      `${path}: these labels were made for another SAE than ${loaded.dir} (recorded SAE weights ${shortHash(recorded)}, ` +
        `${loaded.dir} now holds ${shortHash(loaded.fingerprint)}: the SAE was retrained after labelling); ` +
        `run \`reclens label ${ctx.dir}${own ? "" : ` --sae ${loaded.dir}`}\` again`,
      "labels",
    );
  }
  const doc = readLabels(path);
  if (doc.neurons !== loaded.sae.dSae)
    throw new Conflict(
      `${path}: labels are for ${doc.neurons} neurons, ${loaded.dir} has ${loaded.sae.dSae}`,
    );
  return doc;
}

/** Item activations Z of the loaded SAE: the stored item-activations.safetensors of its concepts directory when it matches, else computed. */
export function runItemActivations(ctx: ModelRunContext, loaded: LoadedSae): Matrix {
  const stored = loadItemActivations(
    join(conceptsDirOf(ctx.layout, loaded.dir), ITEM_ACTIVATIONS_FILE),
    loaded.fingerprint,
    ctx.model.nItems,
    loaded.sae.dSae,
  );
  return stored ?? itemActivations(ctx.model, loaded.sae);
}
