import { z } from "zod";

/** Longest list a request may ask for. */
export const MAX_LIST = 100;
/** Longest page of users, items or neurons. */
export const MAX_PAGE = 500;
/** Most boost knobs and suppressed neurons in one request. */
export const MAX_KNOBS = 32;

/** A query-string integer in [min, max] (digits only). */
export function intParam(min: number, max: number): z.ZodType<number, string> {
  return z
    .string()
    .regex(/^-?\d{1,12}$/, "must be an integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max)) as unknown as z.ZodType<number, string>;
}

/** A query-string finite number in [min, max]. */
export function numParam(min: number, max: number): z.ZodType<number, string> {
  return z
    .string()
    .regex(/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, "must be a number")
    .transform(Number)
    .pipe(z.number().min(min).max(max)) as unknown as z.ZodType<number, string>;
}

/** Path parameter of a neuron: a non-negative integer (range is checked against the SAE: 404). */
export const NeuronParams = z.object({ j: intParam(0, 1_000_000_000) }).strict();
/** Path parameter of a user or item display id. */
export const IdParams = z.object({ id: z.string().min(1).max(200) }).strict();

/** GET /api/users and GET /api/items. */
export const SearchQuery = z
  .object({
    query: z.string().max(100).default(""),
    offset: intParam(0, 1_000_000_000).default(0),
    limit: intParam(1, MAX_PAGE).default(20),
  })
  .strict();

/** GET /api/users/:id. */
export const HistoryQuery = z.object({ limit: intParam(1, 1000).default(200) }).strict();

/**
 * A comma-separated list of steering specs ("noir:0.3,12:0.2" for boost, "noir,12:0.5" for
 * suppress): split here, checked and resolved (label or id) by the steering service
 * (src/pipeline/steering.ts), exactly as `reclens recommend --boost/--suppress` are. Labels holding
 * a comma cannot be named here; use their neuron id.
 */
const SpecList = z
  .string()
  .max(1024)
  .transform((s) =>
    s
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== ""),
  )
  .pipe(z.array(z.string()).max(MAX_KNOBS));

/** GET /api/users/:id/recommendations. */
export const RecommendQuery = z
  .object({
    n: intParam(1, MAX_LIST).default(20),
    boost: SpecList.default([]),
    suppress: SpecList.default([]),
    clamp: SpecList.default([]),
    /** How concept names map to neurons (src/pipeline/knobs.ts); default representative (boosts under shift: direction). */
    mapping: z.enum(["representative", "unique", "direction"]).optional(),
    /** How boosts act (src/pipeline/strength-scale.ts): calibrated shift (default) or blend. */
    operator: z.enum(["shift", "blend"]).optional(),
  })
  .strict();

/** GET /api/knobs/resolve: what a knob reference (id, concept or label) resolves to. */
export const KnobResolveQuery = z
  .object({
    ref: z.string().min(1).max(200),
    mapping: z.enum(["representative", "unique", "direction"]).default("representative"),
  })
  .strict();

/**
 * GET /api/users/:id/explain: the recommendation query (same steering) plus `item` (a display id:
 * explain that item only; default every item of the steered list) and `top` (contributions listed
 * per item; its range is checked by the explain service).
 */
export const ExplainQuery = RecommendQuery.extend({
  item: z.string().min(1).max(200).optional(),
  top: intParam(1, 1_000_000).default(10),
});

/** GET /api/neurons. */
export const NeuronListQuery = z
  .object({
    q: z.string().max(100).default(""),
    sort: z
      .enum(["id", "label", "firing", "support", "purity", "selectivity", "monosemanticity"])
      .default("id"),
    order: z.enum(["asc", "desc"]).optional(),
    includeDead: z.enum(["true", "false"]).default("false"),
    offset: intParam(0, 1_000_000_000).default(0),
    limit: intParam(1, MAX_PAGE).default(50),
  })
  .strict();

/** GET /api/neurons/:j. */
export const NeuronDetailQuery = z.object({ k: intParam(1, 50).default(20) }).strict();

/** GET /api/neurons/:j/reach. */
export const ReachQuery = z
  .object({
    strength: numParam(0, 1).default(0.3),
    n: intParam(1, MAX_LIST).default(20),
    limit: intParam(1, 200).default(25),
  })
  .strict();

/** POST /api/items/:id/promote body. */
export const PromoteBody = z
  .object({
    /** Neuron id, or a label (resolved as steering knobs are). Range and strength >= 0: promotion service. */
    neuron: z.union([z.number().int().min(0), z.string().min(1).max(200)]),
    strength: z.number(),
    n: z.number().int().min(1).max(MAX_LIST).default(20),
    limit: z.number().int().min(1).max(500).default(50),
  })
  .strict();

/** PUT /api/neurons/:j/label body. */
export const LabelBody = z
  .object({
    /** Trimmed length and description length are checked by the label service (pipeline/label-edit.ts). */
    label: z.string().max(10_000),
    description: z.string().max(10_000).optional(),
  })
  .strict();

/** Intents named in a query: `off=3&off=dead, sea, premier` (repeat the key; labels may hold commas). */
const IntentNames = z
  .union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).max(MAX_KNOBS)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

/** GET /api/users/:id/intents-explain (SAERec runs): list length and intents switched off. */
export const IntentExplainQuery = z
  .object({ n: intParam(1, MAX_LIST).default(10), off: IntentNames.default([]) })
  .strict();

/** GET /api/intents (SAERec runs): a page of the run's intent library, most confident first. */
export const IntentListQuery = z
  .object({
    q: z.string().max(100).default(""),
    offset: intParam(0, 1_000_000_000).default(0),
    limit: intParam(1, MAX_PAGE).default(50),
    top: intParam(0, 50).default(5),
  })
  .strict();
