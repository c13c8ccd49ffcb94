import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** File written next to labels.json describing the labelling (SAE fingerprint, counts, files). */
export const CONCEPTS_SUMMARY_FILE = "summary.json";

/**
 * The fingerprint of the SAE a run's concepts were computed for, as recorded in
 * `<conceptsDir>/summary.json`; undefined when there is no summary (or it records none).
 */
export function recordedSaeFingerprint(conceptsDir: string): string | undefined {
  const path = join(conceptsDir, CONCEPTS_SUMMARY_FILE);
  if (!existsSync(path)) return undefined;
  let recorded: unknown;
  try {
    recorded = (JSON.parse(readFileSync(path, "utf8")) as { sae?: { fingerprint?: unknown } }).sae
      ?.fingerprint;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return typeof recorded === "string" ? recorded : undefined;
}
