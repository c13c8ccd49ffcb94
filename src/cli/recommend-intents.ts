import { BadInput } from "../errors.js";
import { SaeRec } from "../models/saerec.js";
import { explainIntentsForUser, type IntentExplainResult } from "../pipeline/intent-explain.js";
import type { ModelRunContext } from "../pipeline/run-context.js";
import { fmtNumber, textTable } from "./pipeline-options.js";

/** What `reclens recommend` passes on for an explanation by intents. */
export interface IntentExplainCliOptions {
  readonly user: string;
  readonly n: number;
  readonly json?: boolean;
  readonly explain?: boolean;
  readonly intentOff: readonly string[];
  readonly boost: readonly string[];
  readonly suppress: readonly string[];
  readonly clamp: readonly string[];
  /** "intents" or "neurons"; default intents for a saerec run with intent branches. */
  readonly explainBy?: string;
}

/** Intents shown per item in the text output. */
const TEXT_INTENTS = 3;

const signed = (v: number): string => `${v >= 0 ? "+" : ""}${fmtNumber(v)}`;

/**
 * True when `recommend` should answer by intents: --intent-off was given, or --explain on a saerec
 * run with intent branches (unless --explain-by neurons asks for the SAE explanation). Refuses
 * steering flags with it (steering edits SAE neurons, which the intent split does not see).
 */
export function wantsIntentExplanation(ctx: ModelRunContext, o: IntentExplainCliOptions): boolean {
  if (o.explainBy !== undefined && o.explainBy !== "intents" && o.explainBy !== "neurons")
    throw new BadInput(`--explain-by must be intents or neurons, got "${o.explainBy}"`, "explain-by");
  const saerec = ctx.model instanceof SaeRec && ctx.model.branches.length > 0;
  const yes =
    o.intentOff.length > 0 ||
    o.explainBy === "intents" ||
    (o.explain === true && saerec && o.explainBy !== "neurons");
  if (yes && o.boost.length + o.suppress.length + o.clamp.length > 0)
    throw new BadInput(
      "--boost/--suppress/--clamp steer SAE neurons and do not combine with the intent explanation (--intent-off, --explain on a saerec run); use --explain-by neurons",
      "explain-by",
    );
  return yes;
}

/** Prints the intent explanation: JSON (the service's result) or a table with each item's top intents. */
export function printIntentExplanation(r: IntentExplainResult, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(r, null, 2));
    return;
  }
  const offText =
    r.off.length > 0 ? ` with ${r.off.map((o) => `"${o.label}" (#${o.intent})`).join(", ")} off` : "";
  console.log(`user ${r.user}: top ${r.n}${offText}; score = sequence + bias + one part per intent`);
  console.log(
    `intents  ${r.intents.map((i) => `${i.branch === "public" ? "[public] " : ""}#${i.intent} "${i.label}" att ${fmtNumber(i.attention)}`).join(", ")}`,
  );
  const rows = textTable(
    r.items.map((it) => [`${it.rank}.`, it.entered ? "+" : " ", fmtNumber(it.score), it.id, it.title ?? ""]),
  ).split("\n");
  r.items.forEach((it, p) => {
    console.log(rows[p]);
    const parts = it.intents.slice(0, TEXT_INTENTS).map((x) => `"${x.label}" ${signed(x.score)}`);
    const more = it.intents.slice(TEXT_INTENTS);
    if (more.length > 0) parts.push(`${more.length} more ${signed(more.reduce((s, x) => s + x.score, 0))}`);
    console.log(`      why: ${parts.join(", ")}; sequence ${signed(it.sequence)}, bias ${signed(it.bias)}`);
  });
  if (r.off.length > 0) {
    console.log(`${r.items.filter((i) => i.entered).length} entered (+), ${r.left.length} left:`);
    for (const it of r.left) console.log(`  - ${it.id}${it.title ? `  ${it.title}` : ""}`);
  }
}

/** Runs the intent explanation of `recommend` for a run context. */
export function runIntentExplanation(ctx: ModelRunContext, o: IntentExplainCliOptions): void {
  printIntentExplanation(explainIntentsForUser(ctx, o.user, { n: o.n, off: o.intentOff }), o.json === true);
}
