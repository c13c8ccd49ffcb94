import type { KnobSetting } from "./api.js";

/** Which view is shown. */
export type ViewName = "user" | "neurons" | "editor" | "eval";

/** State shared between the views. */
export const state = {
  /** Selected user's display id. */
  user: undefined as string | undefined,
  /** "New user" mode: no history, the list comes from the knobs alone (cold start). */
  newUser: false,
  /** Knob values by neuron (0 = untouched). */
  knobs: new Map<number, number>(),
  /** Labels known to the panel, by neuron. */
  labels: new Map<number, string>(),
};

/** The knobs that are moved. */
export function activeKnobs(): KnobSetting[] {
  return [...state.knobs].filter(([, v]) => v !== 0).map(([neuron, value]) => ({ neuron, value }));
}

type Listener = (detail: { view: ViewName; neuron?: number; user?: string }) => void;
const listeners: Listener[] = [];

/** Asks the shell to show a view (optionally focused on a neuron or user). */
export function navigate(view: ViewName, extra: { neuron?: number; user?: string } = {}): void {
  for (const l of listeners) l({ view, ...extra });
}

/** Subscribes to navigation requests. */
export function onNavigate(l: Listener): void {
  listeners.push(l);
}

/** Display name of a neuron: its label, or "neuron j". */
export function neuronName(j: number, label?: string | null): string {
  const l = label ?? state.labels.get(j);
  return l ? l : `neuron ${j}`;
}
