import { existsSync, readFileSync } from "node:fs";
import { BadInput, NotFound } from "../errors.js";
import { importEmbeddings, type EmbeddingsImportOptions } from "../pipeline/embeddings-import.js";
import { Matrix } from "../tensor/matrix.js";
import type { EmbedderInfo, TextEmbedder } from "./types.js";

/** Embeds a catalogue: one row per item, from its id (precomputed files) or its text (text embedders). */
export interface ItemEmbedder {
  /** Rows in the order of `itemIds`; `texts[i]` describes item `itemIds[i]`. */
  embedItems(itemIds: readonly string[], texts: readonly string[]): Promise<Matrix>;
  /** Settings to record beside the embeddings. */
  info(): EmbedderInfo;
}

/** An ItemEmbedder that embeds each item's text with `embedder`. */
export function textItemEmbedder(embedder: TextEmbedder): ItemEmbedder {
  return {
    embedItems: (_ids, texts) => embedder.embed(texts),
    info: () => embedder.info(),
  };
}

/**
 * Reads item ids, one per line (blank lines skipped), or a JSON array of strings/numbers when the
 * file starts with "[". Errors name the file.
 */
export function readIdList(path: string): string[] {
  if (!existsSync(path)) throw new NotFound(`${path}: ids file not found`, "embeddingsIds");
  const text = readFileSync(path, "utf8");
  if (text.trimStart().startsWith("[")) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new BadInput(`${path}: not valid JSON (${(err as Error).message})`, "embeddingsIds");
    }
    if (!Array.isArray(raw) || raw.some((x) => typeof x !== "string" && typeof x !== "number"))
      throw new BadInput(`${path}: expected a JSON array of item ids (strings or numbers)`, "embeddingsIds");
    return raw.map(String);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** Options of {@link FileItemEmbedder}. */
export interface FileEmbeddingsOptions extends EmbeddingsImportOptions {
  /** File of item ids, one per row of the embeddings (else the Parquet id column). */
  readonly idsFile?: string;
}

/**
 * Precomputed item embeddings from a file (.npy, safetensors, CSV, Parquet; see
 * pipeline/embeddings-import.ts) keyed by item id: the ids come from `idsFile` or the Parquet id
 * column. Every requested item must have a row (BadInput lists how many and the first missing ids).
 */
export class FileItemEmbedder implements ItemEmbedder {
  private hash?: string;
  private dims?: number;

  constructor(
    readonly path: string,
    readonly options: FileEmbeddingsOptions = {},
  ) {}

  /** Rows of the requested items, by id. */
  async embedItems(itemIds: readonly string[]): Promise<Matrix> {
    if (!existsSync(this.path)) throw new NotFound(`${this.path}: embeddings file not found`, "embeddings");
    let imported;
    try {
      imported = await importEmbeddings(this.path, this.options);
    } catch (err) {
      throw new BadInput((err as Error).message, "embeddings");
    }
    const ids = this.options.idsFile ? readIdList(this.options.idsFile) : imported.ids;
    if (!ids)
      throw new BadInput(
        `${this.path}: embeddings are keyed by item id: pass --embeddings-ids <file> (one id per row) or use a Parquet file with an id column`,
        "embeddingsIds",
      );
    const m = imported.matrix;
    if (ids.length !== m.rows)
      throw new BadInput(
        `${this.options.idsFile ?? this.path}: ${ids.length} ids for ${m.rows} embedding rows in ${this.path}`,
        "embeddingsIds",
      );
    const rowOf = new Map<string, number>();
    ids.forEach((id, r) => {
      if (rowOf.has(id))
        throw new BadInput(
          `${this.options.idsFile ?? this.path}: item id "${id}" appears twice (rows ${rowOf.get(id)} and ${r})`,
          "embeddingsIds",
        );
      rowOf.set(id, r);
    });
    const missing = itemIds.filter((id) => !rowOf.has(id));
    if (missing.length > 0)
      throw new BadInput(
        `${this.path}: ${missing.length} of ${itemIds.length} items have no embedding (first: ${missing
          .slice(0, 5)
          .map((x) => `"${x}"`)
          .join(", ")})`,
        "embeddings",
      );
    const out = new Matrix(itemIds.length, m.cols);
    itemIds.forEach((id, i) => out.data.set(m.row(rowOf.get(id) as number), i * m.cols));
    this.hash = imported.hash;
    this.dims = m.cols;
    return out;
  }

  /** File, format and, after reading, dimension and fingerprint. */
  info(): EmbedderInfo {
    return {
      provider: "file",
      path: this.path,
      ...(this.options.idsFile ? { idsFile: this.options.idsFile } : {}),
      ...(this.dims !== undefined ? { dim: this.dims, sha256: this.hash } : {}),
    };
  }
}
