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

/** A boost knob list: "neuron:alpha,neuron:alpha" (alpha in [0, 1]). */
const BoostList = z
  .string()
  .max(1024)
  .transform((s, ctx) => {
    const out: { neuron: number; alpha: number }[] = [];
    for (const part of s.split(",").filter((p) => p !== "")) {
      const m = /^(\d{1,9}):(\d+\.?\d*|\.\d+)$/.exec(part.trim());
      if (!m) {
        ctx.addIssue({ code: "custom", message: `"${part}" is not <neuron>:<alpha>`, input: s });
        return z.NEVER;
      }
      out.push({ neuron: Number(m[1]), alpha: Number(m[2]) });
    }
    return out;
  })
  .pipe(z.array(z.object({ neuron: z.number(), alpha: z.number().min(0).max(1) })).max(MAX_KNOBS));

/** A suppression list: "neuron,neuron:factor" (factor in [0, 1], default 0 = off). */
const SuppressList = z
  .string()
  .max(1024)
  .transform((s, ctx) => {
    const out: { neuron: number; factor: number }[] = [];
    for (const part of s.split(",").filter((p) => p !== "")) {
      const m = /^(\d{1,9})(?::(\d+\.?\d*|\.\d+))?$/.exec(part.trim());
      if (!m) {
        ctx.addIssue({ code: "custom", message: `"${part}" is not <neuron> or <neuron>:<factor>`, input: s });
        return z.NEVER;
      }
      out.push({ neuron: Number(m[1]), factor: m[2] === undefined ? 0 : Number(m[2]) });
    }
    return out;
  })
  .pipe(z.array(z.object({ neuron: z.number(), factor: z.number().min(0).max(1) })).max(MAX_KNOBS));

/** GET /api/users/:id/recommendations. */
export const RecommendQuery = z
  .object({
    n: intParam(1, MAX_LIST).default(20),
    boost: BoostList.default([]),
    suppress: SuppressList.default([]),
  })
  .strict();

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
    alpha: numParam(0, 1).default(0.3),
    n: intParam(1, MAX_LIST).default(20),
    limit: intParam(1, 200).default(25),
  })
  .strict();

/** POST /api/items/:id/promote body. */
export const PromoteBody = z
  .object({
    neuron: z.number().int().min(0),
    strength: z.number().min(0).max(1e6),
    n: z.number().int().min(1).max(MAX_LIST).default(20),
    limit: z.number().int().min(1).max(500).default(50),
  })
  .strict();

/** PUT /api/neurons/:j/label body. */
export const LabelBody = z
  .object({
    label: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
  })
  .strict();
