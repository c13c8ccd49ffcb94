import type { LabelsDoc } from "../concepts/labels.js";
import type { KnobMapping } from "../pipeline/knobs.js";
import {
  resolveSteeringReport,
  type ResolvedSpec,
  type Steering,
  type SteeringSpecs,
} from "../pipeline/steering.js";
import { saeFingerprint } from "../pipeline/sae-ref.js";
import {
  DEFAULT_STEERING_OPERATOR,
  ensureStrengthScales,
  measureStrengthScales,
  scaleSteering,
  servingMapping,
  type SteeringOperator,
  type StrengthScales,
} from "../pipeline/strength-scale.js";
import type { Workspace } from "./workspace.js";

const cache = new WeakMap<Workspace, { labels: LabelsDoc; scales: StrengthScales }>();

/**
 * The workspace's strength scales (pipeline/strength-scale.ts), computed on first use and kept for
 * the workspace's labels: a served run reads (or measures and writes) the calibrations beside its
 * SAE, exactly as `reclens recommend` does; an in-memory workspace measures them on its users.
 */
export function workspaceScales(ws: Workspace): StrengthScales {
  const got = cache.get(ws);
  if (got && got.labels === ws.labels) return got.scales;
  const z = ws.neurons.itemActivations;
  const scales = ws.run
    ? ensureStrengthScales(
        ws.run.ctx,
        { dir: ws.run.saeDir, sae: ws.sae, fingerprint: saeFingerprint(ws.run.saeDir) },
        ws.labels,
        () => z,
      )
    : measureStrengthScales(ws.model, ws.sae, ws.users.rows, z, ws.labels);
  cache.set(ws, { labels: ws.labels, scales });
  return scales;
}

/** A steering request as the API receives it (specs, optional mapping and operator). */
export interface SteeringQuery extends SteeringSpecs {
  readonly mapping?: KnobMapping;
  readonly operator?: SteeringOperator;
}

/**
 * The API's steering service call: resolves the specs against the workspace's labels (boosted
 * concepts by direction under the shift operator unless `mapping` says otherwise) and binds the
 * boosts to the operator (default shift, scaled by the workspace's calibration), as `reclens
 * recommend` does; used by the recommendation and explain routes alike.
 */
export function requestSteering(
  ws: Workspace,
  q: SteeringQuery,
): { steering: Steering; resolved: ResolvedSpec[] } {
  const operator = q.operator ?? DEFAULT_STEERING_OPERATOR;
  const { steering, resolved } = resolveSteeringReport(
    ws.labels,
    { boost: q.boost, suppress: q.suppress, ...(q.clamp ? { clamp: q.clamp } : {}) },
    servingMapping(operator, q.mapping),
  );
  return { steering: scaleSteering(steering, operator, () => workspaceScales(ws), resolved), resolved };
}
