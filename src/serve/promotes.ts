import { mapCodeRows } from "../steer/index.js";
import { kernels } from "../tensor/backend.js";
import { Matrix } from "../tensor/matrix.js";
import { evenSample, userBatches } from "./user-batches.js";
import type { Workspace } from "./workspace.js";

/** An item and how much raising a neuron raises its score. */
export interface PromotedItem {
  readonly item: number;
  readonly delta: number;
}

/** Users averaged into the reference representation. */
const REFERENCE_USERS = 256;

const reference = new WeakMap<Workspace, Matrix>();
const cache = new WeakMap<Workspace, Map<number, PromotedItem[]>>();

/** Mean probing-site representation of (a sample of) the workspace users, 1 x dim; computed once. */
export function referenceRepresentation(ws: Workspace): Matrix {
  let z = reference.get(ws);
  if (z) return z;
  const acc = new Float64Array(ws.model.dim);
  const sample = evenSample(ws.users.rows.rows, REFERENCE_USERS);
  for (const { batch } of userBatches(ws.users, sample)) {
    const m = ws.model.encodeUsers(batch);
    for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) acc[c] += m.data[r * m.cols + c];
  }
  z = new Matrix(
    1,
    ws.model.dim,
    Float32Array.from(acc, (v) => (sample.length ? v / sample.length : 0)),
  );
  reference.set(ws, z);
  return z;
}

/**
 * The `count` items whose score rises most when neuron j is raised for a typical user: with z the
 * mean user representation, c = E_s(z) and c' = c with latent j raised by the neuron's mean
 * activation over the users it fires for (its largest item activation, or 1, when it never
 * fires), delta = D_c(z + D_s(c') - D_s(c)) - D_c(z). Descending delta, positive deltas only; cached.
 */
export function itemsPromotedBy(ws: Workspace, j: number, count: number): PromotedItem[] {
  let byNeuron = cache.get(ws);
  if (!byNeuron) cache.set(ws, (byNeuron = new Map()));
  const hit = byNeuron.get(j);
  if (hit && hit.length >= count) return hit.slice(0, count);
  const z = referenceRepresentation(ws);
  const code = ws.sae.encode(z);
  const raise = ws.neurons.meanActivation[j] || ws.neurons.activity.max[j] || 1;
  const raised = mapCodeRows(code, (row) => row.set(j, row.get(j) + raise));
  const d0 = ws.sae.decode(code);
  const d1 = ws.sae.decode(raised);
  const shifted = z.clone();
  for (let c = 0; c < shifted.cols; c++) shifted.data[c] += d1.data[c] - d0.data[c];
  const s0 = ws.model.decode(z);
  const s1 = ws.model.decode(shifted);
  const delta = new Matrix(1, s0.cols);
  for (let i = 0; i < s0.cols; i++) {
    const d = s1.data[i] - s0.data[i];
    delta.data[i] = Number.isFinite(d) ? d : -Infinity;
  }
  const top = kernels().rowTopK(delta, Math.min(Math.max(count, 10), delta.cols));
  const out: PromotedItem[] = [];
  for (let t = 0; t < top.indices.length; t++)
    if (top.values[t] > 0) out.push({ item: top.indices[t], delta: top.values[t] });
  byNeuron.set(j, out);
  return out.slice(0, count);
}
