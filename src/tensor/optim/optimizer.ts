import { Matrix } from "../matrix.js";
import type {
  BaseHyper,
  Optimizer,
  OptimizerState,
  ParamGroup,
  ParamGroupSpec,
  ParamState,
  Parameter,
  ZeroGradOptions,
} from "./types.js";
import { checkCount, checkNonNegative, checkPositive } from "./validate.js";

/** A hyperparameter record: named numbers and flags, always including `lr` and `weightDecay`. */
export type Hyper = BaseHyper & Record<string, number | boolean>;

/** How a concrete optimiser plugs into `BaseOptimizer`. */
export interface OptimizerSpec<H extends Hyper> {
  /** Name used in errors and saved states. */
  kind: string;
  /** Every hyperparameter with its default; also the list of accepted option names. */
  defaults: Readonly<H>;
  /** Checks the optimiser-specific fields (`lr` and `weightDecay` are checked by the base). */
  validate(h: Readonly<H>, where: string): void;
  /** Names of the per-parameter buffers the update needs under `h` (allocated as zeros). */
  buffers(h: Readonly<H>): string[];
  /** Updates `value` in place from `grad`; `state.step` was already incremented (counts from 1). */
  update(value: Float32Array, grad: Float32Array, state: ParamState, h: Readonly<H>): void;
}

interface MutableGroup<H> {
  params: readonly Parameter[];
  hyper: H;
  baseLr: number;
}

function isGroupList<H>(
  list: readonly Parameter[] | readonly ParamGroupSpec<H>[],
): list is readonly ParamGroupSpec<H>[] {
  return list.length > 0 && typeof list[0] === "object" && list[0] !== null && "params" in list[0];
}

function onlyParams<H>(params: readonly Parameter[]): ParamGroupSpec<H> {
  return { params } as ParamGroupSpec<H>;
}

function label(p: Parameter, gi: number, pi: number): string {
  return `parameter ${pi} of group ${gi}${p.name ? ` (${p.name})` : ""}`;
}

/**
 * Parameter groups, per-parameter state, learning-rate control and checkpointing shared by all
 * optimisers; the update rule itself comes from an `OptimizerSpec`.
 */
export class BaseOptimizer<H extends Hyper> implements Optimizer {
  readonly kind: string;
  private readonly spec: OptimizerSpec<H>;
  private readonly groupList: MutableGroup<H>[];
  private readonly states = new Map<Parameter, ParamState>();
  private steps = 0;

  /** `params` is a flat parameter list (one group) or a list of groups whose fields override `options`. */
  constructor(
    spec: OptimizerSpec<H>,
    params: readonly Parameter[] | readonly ParamGroupSpec<H>[],
    options: Partial<H> = {},
  ) {
    this.kind = spec.kind;
    this.spec = spec;
    if (!Array.isArray(params))
      throw new TypeError(`${spec.kind}: params must be an array of parameters or of parameter groups`);
    const defaults = this.resolve(spec.defaults, options, spec.kind, false);
    const specs: readonly ParamGroupSpec<H>[] = isGroupList(params)
      ? params
      : [onlyParams(params as readonly Parameter[])];
    const seen = new Map<Parameter, string>();
    this.groupList = specs.map((g, gi) => {
      const where = `${spec.kind} group ${gi}`;
      if (typeof g !== "object" || g === null || !Array.isArray(g.params)) {
        throw new TypeError(
          `${where}: expected { params: Parameter[], ...options } (do not mix parameters and groups)`,
        );
      }
      g.params.forEach((p, pi) => {
        if (typeof p !== "object" || p === null || !(p.value instanceof Matrix)) {
          throw new TypeError(`${where}: parameter ${pi} has no Matrix value`);
        }
        const at = label(p, gi, pi);
        const before = seen.get(p);
        if (before !== undefined)
          throw new RangeError(`${spec.kind}: the same parameter is ${before} and ${at}`);
        seen.set(p, at);
      });
      const hyper = this.resolve(defaults, g, where, false);
      return { params: g.params.slice(), hyper, baseLr: hyper.lr };
    });
    if (seen.size === 0) throw new RangeError(`${spec.kind}: no parameters to optimise`);
  }

  /** Number of `step()` calls so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** The parameter groups with their current hyperparameters. */
  get groups(): readonly ParamGroup<H>[] {
    return this.groupList;
  }

  /** All parameters, group by group. */
  parameters(): Parameter[] {
    return this.groupList.flatMap((g) => g.params);
  }

  /**
   * Updates every parameter whose grad is not null. Shapes are checked for all parameters before
   * any is touched, so a bad gradient leaves the model unchanged.
   */
  step(): void {
    this.groupList.forEach((g, gi) =>
      g.params.forEach((p, pi) => {
        if (p.grad === null) return;
        if (p.grad.rows !== p.value.rows || p.grad.cols !== p.value.cols) {
          throw new RangeError(
            `${this.kind}.step: gradient of ${label(p, gi, pi)} is ${p.grad.shape} but its value is ${p.value.shape}`,
          );
        }
        const s = this.states.get(p);
        for (const [name, buf] of Object.entries(s?.buffers ?? {})) {
          if (buf.length !== p.value.size) {
            throw new RangeError(
              `${this.kind}.step: buffer ${name} of ${label(p, gi, pi)} has ${buf.length} values but the parameter has ${p.value.size}`,
            );
          }
        }
      }),
    );
    this.steps++;
    for (const g of this.groupList) {
      for (const p of g.params) {
        if (p.grad === null) continue;
        let s = this.states.get(p);
        if (!s) {
          s = { step: 0, buffers: {} };
          for (const name of this.spec.buffers(g.hyper)) s.buffers[name] = new Float32Array(p.value.size);
          this.states.set(p, s);
        }
        s.step++;
        this.spec.update(p.value.data, p.grad.data, s, g.hyper);
      }
    }
  }

  /** Zeroes every gradient in place (default, keeps the buffers) or sets it to null (`setToNull`). */
  zeroGrad(options: ZeroGradOptions = {}): void {
    for (const p of this.parameters()) {
      if (options.setToNull) p.grad = null;
      else p.grad?.data.fill(0);
    }
  }

  /** Current learning rate of group `group` (default 0). */
  getLr(group = 0): number {
    return this.group(group, "getLr").hyper.lr;
  }

  /** Sets the current learning rate (>= 0) of one group, or of all groups; the base learning rate is unchanged. */
  setLr(lr: number, group?: number): void {
    checkNonNegative(`${this.kind}.setLr`, "lr", lr);
    if (group === undefined) for (const g of this.groupList) g.hyper.lr = lr;
    else this.group(group, "setLr").hyper.lr = lr;
  }

  /** Sets every group's learning rate to its base learning rate times `factor` (>= 0). */
  setLrFactor(factor: number): void {
    checkNonNegative(`${this.kind}.setLrFactor`, "factor", factor);
    for (const g of this.groupList) g.hyper.lr = g.baseLr * factor;
  }

  /** A deep copy of hyperparameters, step counts and buffers. */
  saveState(): OptimizerState {
    return {
      kind: this.kind,
      stepCount: this.steps,
      groups: this.groupList.map((g) => ({
        hyper: { ...g.hyper },
        baseLr: g.baseLr,
        params: g.params.map((p) => {
          const s = this.states.get(p);
          if (!s) return null;
          const buffers: Record<string, Float32Array> = {};
          for (const [name, buf] of Object.entries(s.buffers)) buffers[name] = buf.slice();
          return { step: s.step, buffers };
        }),
      })),
    };
  }

  /**
   * Restores a state from `saveState` (copied, not aliased). The whole state is validated against
   * this optimiser's kind and parameter layout before anything changes.
   */
  loadState(state: OptimizerState): void {
    const where = `${this.kind}.loadState`;
    if (state.kind !== this.kind)
      throw new RangeError(`${where}: state was written by ${state.kind}, not ${this.kind}`);
    checkCount(where, "stepCount", state.stepCount);
    if (!Array.isArray(state.groups) || state.groups.length !== this.groupList.length) {
      throw new RangeError(
        `${where}: state has ${state.groups?.length} groups, optimiser has ${this.groupList.length}`,
      );
    }
    const restored = state.groups.map((gs, gi) => {
      const g = this.groupList[gi];
      const gw = `${where} group ${gi}`;
      const hyper = this.resolve(this.spec.defaults, gs.hyper as Partial<H>, gw, true);
      for (const key of Object.keys(this.spec.defaults)) {
        if (!(key in gs.hyper)) throw new RangeError(`${gw}: hyperparameter ${key} is missing`);
      }
      checkPositive(gw, "baseLr", gs.baseLr);
      if (!Array.isArray(gs.params) || gs.params.length !== g.params.length) {
        throw new RangeError(
          `${gw}: state has ${gs.params?.length} parameters, optimiser has ${g.params.length}`,
        );
      }
      const wanted = this.spec.buffers(hyper).sort().join(",");
      const params = gs.params.map((ps, pi) => {
        if (ps === null) return null;
        const p = g.params[pi];
        const pw = `${where}: ${label(p, gi, pi)}`;
        checkCount(pw, "step", ps.step);
        const names = Object.keys(ps.buffers ?? {});
        if (names.sort().join(",") !== wanted)
          throw new RangeError(`${pw}: buffers [${names}] do not match [${wanted}]`);
        const buffers: Record<string, Float32Array> = {};
        for (const name of names) {
          const buf = ps.buffers[name];
          if (!(buf instanceof Float32Array) || buf.length !== p.value.size) {
            throw new RangeError(
              `${pw}: buffer ${name} must be a Float32Array of ${p.value.size} values, got ${buf?.length}`,
            );
          }
          buffers[name] = buf.slice();
        }
        return { step: ps.step, buffers };
      });
      return { hyper, baseLr: gs.baseLr, params };
    });
    restored.forEach((r, gi) => {
      const g = this.groupList[gi];
      g.hyper = r.hyper;
      g.baseLr = r.baseLr;
      g.params.forEach((p, pi) => {
        const ps = r.params[pi];
        if (ps === null) this.states.delete(p);
        else this.states.set(p, ps);
      });
    });
    this.steps = state.stepCount;
  }

  private group(index: number, op: string): MutableGroup<H> {
    const g = this.groupList[index];
    if (!Number.isInteger(index) || g === undefined) {
      throw new RangeError(
        `${this.kind}.${op}: group ${index} does not exist (${this.groupList.length} groups)`,
      );
    }
    return g;
  }

  /** `base` overridden by the defined fields of `over`, validated; unknown fields throw. */
  private resolve(base: Readonly<H>, over: object, where: string, zeroLrOk: boolean): H {
    const out = { ...base } as H;
    const known = Object.keys(this.spec.defaults);
    for (const [key, value] of Object.entries(over)) {
      if (key === "params") continue;
      if (!known.includes(key))
        throw new RangeError(`${where}: unknown option ${JSON.stringify(key)} (known: ${known.join(", ")})`);
      if (value !== undefined) (out as Record<string, unknown>)[key] = value;
    }
    if (zeroLrOk) checkNonNegative(where, "lr", out.lr);
    else checkPositive(where, "lr", out.lr);
    checkNonNegative(where, "weightDecay", out.weightDecay);
    this.spec.validate(out, where);
    return out;
  }
}
