import { join } from "node:path";
import type { RawDataset } from "../loaders/raw.js";
import { bounded, expectDocumentedError, modelLines, mutate, type Mutation, type Scratch } from "./fuzz.js";

/** The fixture files of one fuzz case after mutation: raw bytes and the model's decoded lines. */
export interface CaseFiles {
  readonly bytes: Record<string, Buffer>;
  /** Lines per file as the test decodes them (see modelLines); every file here decoded. */
  readonly lines: Record<string, string[]>;
  /** Folder holding the files. */
  readonly dir: string;
}

/** One loader fuzz case: `target` of `base` gets `mutations`, then the load is checked. */
export interface LoaderCase {
  readonly scratch: Scratch;
  readonly base: Record<string, string | Buffer>;
  readonly target: string;
  readonly mutations: Mutation[];
  /** Field separator of the target file (for column-level mutations). */
  readonly delim: string;
  /** Folder name (some formats name the dataset after it). */
  readonly folder?: string;
  readonly load: (dir: string) => Promise<RawDataset>;
  /** Checks a successful load against the test's own reading of the files. */
  readonly check: (raw: RawDataset, files: CaseFiles) => void;
}

/**
 * Runs one case: writes the mutated fixture, loads it within the time bound, and asserts that a
 * failure is a documented error naming a fixture file and a line inside it, and that a success
 * happened only on text files (no NUL / UTF-16) and passes `check`.
 */
export async function runLoaderCase(c: LoaderCase): Promise<void> {
  const bytes: Record<string, Buffer> = {};
  for (const [name, content] of Object.entries(c.base))
    bytes[name] = Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8");
  bytes[c.target] = mutate(bytes[c.target], c.mutations, c.delim);
  const dir = c.scratch.write(bytes, c.folder);
  let raw: RawDataset;
  try {
    raw = await bounded(c.load(dir), `load ${c.target}`);
  } catch (err) {
    const lineCount = Math.max(
      ...Object.values(bytes).map((b) => b.length - b.toString("latin1").replace(/\n/g, "").length + 1),
    );
    expectDocumentedError(
      err,
      Object.keys(bytes).map((f) => join(dir, f)),
      lineCount,
    );
    return;
  }
  const lines: Record<string, string[]> = {};
  for (const [name, b] of Object.entries(bytes)) {
    const l = modelLines(b);
    if (l === null) throw new Error(`${name}: a file with NUL bytes or a UTF-16 mark was accepted`);
    lines[name] = l;
  }
  c.check(raw, { bytes, lines, dir });
}
