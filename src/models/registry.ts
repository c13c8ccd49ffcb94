import type { z } from "zod";
import { parseWith } from "../store/validation.js";
import { loadArtifact, readModelJson, type ModelArtifact } from "./artifact.js";
import type { Recommender } from "./types.js";

/**
 * How to build one kind of recommender. `schema` validates raw hyperparameters and applies
 * defaults (it should be `.strict()` so misspelt fields are rejected); `create` receives the
 * complete config; `load` rebuilds a fitted model from its saved directory.
 */
export interface ModelFactory<C extends object = object> {
  readonly name: string;
  /** One line for `--help` and listings. */
  readonly description: string;
  readonly schema: z.ZodType<C, unknown>;
  create(config: C): Recommender<C>;
  load(config: C, artifact: ModelArtifact): Recommender<C>;
}

const factories = new Map<string, ModelFactory>();

/** Registers a model kind; throws if the name is already taken. */
export function registerModel<C extends object>(factory: ModelFactory<C>): void {
  if (factories.has(factory.name))
    throw new Error(`registerModel: a model named "${factory.name}" is already registered`);
  factories.set(factory.name, factory as unknown as ModelFactory);
}

/** The factory registered under `name`; throws listing the known names otherwise. */
export function modelFactory(name: string): ModelFactory {
  const f = factories.get(name);
  if (!f)
    throw new Error(`unknown model "${name}" (known: ${[...factories.keys()].sort().join(", ") || "none"})`);
  return f;
}

/** Names of all registered models, sorted. */
export function modelNames(): string[] {
  return [...factories.keys()].sort();
}

/**
 * Validates `rawConfig` (defaults applied; errors name each bad field and its value) and returns a
 * new, unfitted model.
 */
export function createModel(name: string, rawConfig: unknown = {}): Recommender {
  const f = modelFactory(name);
  return f.create(parseWith(f.schema, rawConfig ?? {}, `${name} config`));
}

/** Validates hyperparameters for `name` without building the model; returns the complete config. */
export function resolveModelConfig(name: string, rawConfig: unknown = {}): object {
  const f = modelFactory(name);
  return parseWith(f.schema, rawConfig ?? {}, `${name} config`);
}

/** Loads a fitted model saved with `save(dir)`; the model kind is read from `<dir>/model.json`. */
export function loadModel(dir: string): Recommender {
  const name = readModelJson(dir).model;
  const f = modelFactory(name);
  const artifact = loadArtifact(dir);
  return f.load(parseWith(f.schema, artifact.json.config, `${dir}/model.json config`), artifact);
}
