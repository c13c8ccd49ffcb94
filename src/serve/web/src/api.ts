import type { PromotionView, ReachView } from "../../editor.js";
import type { ErrorBody } from "../../http-errors.js";
import type { ItemView } from "../../item-view.js";
import type { NeuronDetail, NeuronSummary } from "../../neuron-views.js";
import type { RecommendationView } from "../../steering.js";
import type { ColdStartView } from "../../cold-start.js";
import type { ExplainView } from "../../explain.js";
import type { KnobMatch, KnobSearchView } from "../../knob-search.js";
import type { PromoteAudienceRunResult } from "../../../pipeline/promote-run.js";

/** Types of the API responses (shared with the server). */
export type {
  ColdStartView,
  ExplainView,
  ItemView,
  KnobMatch,
  KnobSearchView,
  NeuronDetail,
  NeuronSummary,
  PromoteAudienceRunResult,
  PromotionView,
  ReachView,
  RecommendationView,
};

/** GET /api/info (the parts the panel shows); `sae` and `labels` are null for a run without an SAE. */
export interface Info {
  dataset: { name: string; users: number; items: number; interactions: number };
  model: { name: string; dim: number; itemVectors: boolean };
  sae: { architecture: string; dSae: number; liveNeurons: number } | null;
  labels: { labelled: number; persisted: boolean } | null;
  /** Without an SAE: how to train one. */
  noSae?: string;
  metrics: Record<string, unknown>;
}

/** User summary of GET /api/users. */
export interface UserSummary {
  id: string;
  interactions: number;
}

/** GET /api/users/:id. */
export interface UserDetail {
  id: string;
  interactions: number;
  truncated: boolean;
  history: { item: ItemView; timestamp?: number }[];
}

/** An API error with the server's message and field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const body = (await res.json().catch(() => ({}))) as unknown;
  if (!res.ok) {
    const e = body as Partial<ErrorBody>;
    throw new ApiError(res.status, e.message ?? `HTTP ${res.status}`, e.field);
  }
  return body as T;
}

const qs = (params: Record<string, string | number | undefined>): string => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : "";
};

const enc = encodeURIComponent;

/** A knob as the panel holds it: > 0 boosts (strength, 0..1), < 0 suppresses (factor 1 + value). */
export interface KnobSetting {
  neuron: number;
  value: number;
}

/** The boosted knobs with their strengths scaled to sum to at most 1 (the API's limit), floored to 1e-4. */
export function boostStrengths(knobs: readonly KnobSetting[]): KnobSetting[] {
  const boosts = knobs.filter((k) => k.value > 0);
  const total = boosts.reduce((s, k) => s + k.value, 0);
  const scale = total > 1 ? 1 / total : 1;
  return boosts.map((k) => ({ neuron: k.neuron, value: Math.floor(k.value * scale * 1e4) / 1e4 }));
}

/** The boost/suppress query parameters of a set of knobs (strengths scaled to sum to at most 1). */
export function steeringParams(knobs: readonly KnobSetting[]): { boost?: string; suppress?: string } {
  const boost = boostStrengths(knobs)
    .map((k) => `${k.neuron}:${k.value.toString()}`)
    .join(",");
  const suppress = knobs
    .filter((k) => k.value < 0)
    .map((k) => `${k.neuron}:${Math.max(0, 1 + k.value).toFixed(4)}`)
    .join(",");
  return { ...(boost ? { boost } : {}), ...(suppress ? { suppress } : {}) };
}

/** The panel's API client. */
export const api = {
  info: () => call<Info>("/api/info"),
  users: (query: string, offset = 0, limit = 20) =>
    call<{ total: number; users: UserSummary[] }>(`/api/users${qs({ query, offset, limit })}`),
  user: (id: string) => call<UserDetail>(`/api/users/${enc(id)}?limit=200`),
  recommendations: (id: string, knobs: readonly KnobSetting[], n = 20, signal?: AbortSignal) =>
    call<RecommendationView>(`/api/users/${enc(id)}/recommendations${qs({ n, ...steeringParams(knobs) })}`, {
      signal: signal ?? null,
    }),
  neurons: (q: string, sort: string, limit = 200, offset = 0) =>
    call<{ total: number; neurons: NeuronSummary[] }>(`/api/neurons${qs({ q, sort, limit, offset })}`),
  /** Concepts and labels over all neurons (GET /api/knobs/search). */
  knobSearch: (q: string, limit = 12) => call<KnobSearchView>(`/api/knobs/search${qs({ q, limit })}`),
  /** Why `item` is in the user's steered list (GET /api/users/:id/explain). */
  explain: (id: string, item: string, knobs: readonly KnobSetting[], n = 20) =>
    call<ExplainView>(`/api/users/${enc(id)}/explain${qs({ item, n, top: 8, ...steeringParams(knobs) })}`),
  /** A new user's list from knobs alone (POST /api/cold-start; boosts only, on the boost's strength scale). */
  coldStart: (knobs: readonly KnobSetting[], n = 20, signal?: AbortSignal) =>
    call<ColdStartView>("/api/cold-start", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        knobs: boostStrengths(knobs).map((k) => ({ neuron: k.neuron, strength: k.value })),
        n,
      }),
      signal: signal ?? null,
    }),
  neuron: (j: number) => call<NeuronDetail>(`/api/neurons/${j}?k=20`),
  /** Who boosting neuron j at `strength` (0..1, as a boost) would reach (GET /api/neurons/:j/reach). */
  reach: (j: number, strength: number, n: number) =>
    call<ReachView>(`/api/neurons/${j}/reach${qs({ strength, n, limit: 25 })}`),
  items: (query: string) =>
    call<{ total: number; items: ItemView[] }>(`/api/items${qs({ query, limit: 20 })}`),
  promote: (id: string, neuron: number, strength: number, n: number) =>
    call<PromotionView>(`/api/items/${enc(id)}/promote`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ neuron, strength, n, limit: 50 }),
    }),
  /** Item-side promotion to an audience (POST /api/items/:id/promote-audience; neuron chosen unless given). */
  promoteAudience: (id: string, audience: string, strength: number, n: number, neuron?: number) =>
    call<PromoteAudienceRunResult>(`/api/items/${enc(id)}/promote-audience`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        audience,
        strengths: [strength],
        n,
        ...(neuron !== undefined ? { neuron } : {}),
      }),
    }),
  setLabel: (j: number, label: string) =>
    call<{ neuron: number; persisted: boolean }>(`/api/neurons/${j}/label`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ label }),
    }),
};
