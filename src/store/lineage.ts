import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Lineage of run artifacts: every derived artifact records the content hash of what it was derived
 * from (an SAE: the model's weights and the split; labels: the SAE's weights), and writing an
 * artifact over one that others were derived from is refused unless forced. These helpers compute
 * the hashes and find the dependents; the messages are built by the callers, which know the
 * commands that rebuild each artifact.
 */

/** sha256 (hex) of a file's bytes. */
export function fileFingerprint(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** File name of a model's weights inside its directory (see models/artifact.ts). */
const MODEL_WEIGHTS = "weights.safetensors";

/** sha256 (hex) of `<modelDir>/weights.safetensors`, or undefined when there is none. */
export function modelFingerprint(modelDir: string): string | undefined {
  const path = join(modelDir, MODEL_WEIGHTS);
  return existsSync(path) ? fileFingerprint(path) : undefined;
}

/** Short form of a fingerprint for messages (first 12 hex digits). */
export function shortHash(hash: string | undefined): string {
  return hash === undefined ? "(none)" : hash.slice(0, 12);
}

/** A derived artifact that exists on disk: its path and what it is, for messages. */
export interface Dependent {
  readonly path: string;
  readonly what: string;
}

function nonEmptyDir(path: string): boolean {
  try {
    return statSync(path).isDirectory() && readdirSync(path).length > 0;
  } catch {
    return false;
  }
}

/** The derived artifacts among `candidates` that exist (non-empty directories). */
export function existingDependents(candidates: readonly Dependent[]): Dependent[] {
  return candidates.filter((d) => nonEmptyDir(d.path));
}

/** Removes the given dependents (recursively). */
export function removeDependents(deps: readonly Dependent[]): void {
  for (const d of deps) rmSync(d.path, { recursive: true, force: true });
}

/** "sae/ (an SAE) and concepts/ (labels)" for messages. */
export function describeDependents(deps: readonly Dependent[]): string {
  const parts = deps.map((d) => `${d.path} (${d.what})`);
  return parts.length <= 1
    ? (parts[0] ?? "")
    : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}
