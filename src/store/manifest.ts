import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { BadInput, NotFound } from "../errors.js";
import { packageVersion } from "../version.js";
import { backendInfo } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import { writeFileAtomic } from "./atomic.js";
import { parseWith } from "./validation.js";

/**
 * A run is one directory holding everything one training/evaluation produced:
 *
 * ```
 * <run>/manifest.json   what was run: config, data fingerprint, seed, metrics, versions, time
 * <run>/model/          the recommender (model.json + weights.safetensors, see models/artifact.ts)
 * <run>/sae/            a sparse autoencoder trained on the model's probing site (cfg.json + sae_weights.safetensors)
 * <run>/concepts/       neuron labels and concept statistics
 * ```
 */
export interface RunLayout {
  readonly root: string;
  readonly manifest: string;
  readonly model: string;
  readonly sae: string;
  readonly concepts: string;
}

/** The paths of a run directory's parts (nothing is created). */
export function runLayout(root: string): RunLayout {
  return {
    root,
    manifest: join(root, "manifest.json"),
    model: join(root, "model"),
    sae: join(root, "sae"),
    concepts: join(root, "concepts"),
  };
}

/** Schema of manifest.json; `formatVersion` bumps when the layout changes incompatibly. */
export const ManifestSchema = z
  .object({
    format: z.literal("reclens-run"),
    formatVersion: z.literal(1),
    /** What the run produced: "model", "sae", "eval", ... */
    kind: z.string().min(1),
    /** ISO-8601 creation time. */
    createdAt: z.iso.datetime(),
    seed: z.number().int(),
    /** The complete (defaults applied) configuration of the run. */
    config: z.record(z.string(), z.unknown()),
    data: z
      .object({
        name: z.string(),
        source: z.string(),
        /** sha256 (hex) of the interaction matrix, see `dataFingerprint`. */
        hash: z.string().regex(/^[0-9a-f]{64}$/, "expected a 64-digit hex sha256"),
        users: z.number().int().nonnegative(),
        items: z.number().int().nonnegative(),
        interactions: z.number().int().nonnegative(),
      })
      .strict(),
    /** Flat metric map, e.g. {"test/recall_trunc@20": 0.41, "test/recall_trunc@20/se": 0.01}. */
    metrics: z.record(z.string(), z.number()),
    versions: z.object({ reclens: z.string(), node: z.string(), backend: z.string() }).strict(),
  })
  .strict();

/** A validated run manifest. */
export type Manifest = z.infer<typeof ManifestSchema>;

/** Fields the caller supplies; format, versions and creation time are filled in. */
export type ManifestInput = Omit<Manifest, "format" | "formatVersion" | "createdAt" | "versions"> & {
  createdAt?: string;
  versions?: Manifest["versions"];
};

/** reclens, node and kernel-backend versions of this process. */
export function currentVersions(): Manifest["versions"] {
  return { reclens: packageVersion(), node: process.version, backend: backendInfo().backend };
}

/** Builds a complete manifest (validated) from the run's fields. */
export function createManifest(input: ManifestInput): Manifest {
  const m = {
    format: "reclens-run" as const,
    formatVersion: 1 as const,
    ...input,
    createdAt: input.createdAt ?? new Date().toISOString(),
    versions: input.versions ?? currentVersions(),
  };
  return parseWith(ManifestSchema, m, "manifest");
}

/** sha256 (hex) over the shape, row pointers, column indices and values of an interaction matrix. */
export function dataFingerprint(matrix: Csr): string {
  const h = createHash("sha256");
  h.update(`csr:${matrix.rows}x${matrix.cols}:${matrix.nnz};`);
  for (const a of [matrix.indptr, matrix.indices, matrix.values])
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest("hex");
}

/** The manifest's `data` block of a dataset (name, source, fingerprint, sizes); `hash` when already computed. */
export function manifestData(
  dataset: { readonly name: string; readonly source: string; readonly matrix: Csr },
  hash = dataFingerprint(dataset.matrix),
): Manifest["data"] {
  const m = dataset.matrix;
  return {
    name: dataset.name,
    source: dataset.source,
    hash,
    users: m.rows,
    items: m.cols,
    interactions: m.nnz,
  };
}

/** Validates and writes `<root>/manifest.json` atomically; returns the path. */
export function writeManifest(root: string, manifest: Manifest): string {
  const valid = parseWith(ManifestSchema, manifest, "manifest");
  const path = runLayout(root).manifest;
  writeFileAtomic(path, `${JSON.stringify(valid, null, 2)}\n`);
  return path;
}

/** Reads and validates `<root>/manifest.json`; errors name the file and each bad field. */
export function readManifest(root: string): Manifest {
  const path = runLayout(root).manifest;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = `${path}: cannot read run manifest (${code ?? (err as Error).message})`;
    throw code === "ENOENT" ? new NotFound(message, "run") : new Error(message);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BadInput(`${path}: not valid JSON (${(err as Error).message})`, "run");
  }
  return parseWith(ManifestSchema, raw, path);
}
