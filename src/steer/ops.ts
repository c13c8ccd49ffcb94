import type { SparseCode } from "../sae/types.js";
import { boostRow, validateKnobs, type BoostOp } from "./boost.js";
import { clampRow, validateClamp, type ClampOp } from "./clamp.js";
import { mapCodeRows } from "./code-row.js";
import { shiftRow, validateShift, type ShiftOp } from "./shift.js";
import { suppressRow, validateSuppress, type SuppressOp } from "./suppress.js";

/** A steering operator on a sparse code: boost (knobs, convex blend), shift (additive), suppress, clamp. */
export type SteerOp = BoostOp | ShiftOp | SuppressOp | ClampOp;

/** The same ops for every row, or the ops of each row (`(row) => ops`, row index within the code). */
export type SteerPlan = readonly SteerOp[] | ((row: number) => readonly SteerOp[]);

/** Throws a clear error (naming the op's position and field) unless every op is valid for dSae latents. */
export function validateSteerOps(ops: readonly SteerOp[], dSae: number, where = "steer"): void {
  ops.forEach((op, q) => {
    const at = `${where}[${q}] (${String((op as { kind?: unknown }).kind)})`;
    switch (op.kind) {
      case "boost":
        validateKnobs(op.knobs, dSae, at);
        break;
      case "shift":
        validateShift(op.knobs, dSae, at);
        break;
      case "suppress":
        validateSuppress(op.neurons, op.factor ?? 0, dSae, at);
        break;
      case "clamp":
        validateClamp(op.neuron, op.value, dSae, at);
        break;
      default:
        throw new RangeError(`${at}: unknown steering op kind (known: boost, shift, suppress, clamp)`);
    }
  });
}

/**
 * A new code with the plan's ops applied to each row, in order (`code` is never modified). An
 * empty plan, or ops that change nothing (alpha 0, factor 1, clamping to the current value),
 * reproduce the row bit for bit.
 */
export function steerCode(code: SparseCode, plan: SteerPlan): SparseCode {
  if (typeof plan !== "function") validateSteerOps(plan, code.dSae);
  return mapCodeRows(code, (row) => {
    const ops = typeof plan === "function" ? plan(row.row) : plan;
    if (typeof plan === "function") validateSteerOps(ops, code.dSae, `steer (row ${row.row})`);
    for (const op of ops) {
      if (op.kind === "boost") boostRow(row, op.knobs);
      else if (op.kind === "shift") shiftRow(row, op.knobs);
      else if (op.kind === "suppress") suppressRow(row, op.neurons, op.factor ?? 0);
      else clampRow(row, op.neuron, op.value);
    }
  });
}
