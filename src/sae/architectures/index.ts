import { batchtopkArchitecture } from "./batchtopk.js";
import { matryoshkaArchitecture } from "./matryoshka.js";
import { reluArchitecture } from "./relu.js";
import { topkArchitecture } from "./topk.js";
import type { SaeArchitecture } from "./types.js";

export type { Activation, SaeArchitecture } from "./types.js";

const registry = new Map<string, SaeArchitecture>();

/** Adds an architecture; registering a name twice throws. */
export function registerArchitecture(arch: SaeArchitecture): void {
  if (registry.has(arch.name)) throw new Error(`SAE architecture "${arch.name}" is already registered`);
  registry.set(arch.name, arch);
}

/** The architecture registered as `name`; throws listing the known names otherwise. */
export function getArchitecture(name: string): SaeArchitecture {
  const a = registry.get(name);
  if (!a) throw new Error(`unknown SAE architecture "${name}" (known: ${[...registry.keys()].join(", ")})`);
  return a;
}

/** Names of all registered architectures, in registration order. */
export function listArchitectures(): string[] {
  return [...registry.keys()];
}

registerArchitecture(reluArchitecture);
registerArchitecture(topkArchitecture);
registerArchitecture(batchtopkArchitecture);
registerArchitecture(matryoshkaArchitecture);
