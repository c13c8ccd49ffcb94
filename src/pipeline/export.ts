import { existsSync } from "node:fs";
import { BadInput, Conflict } from "../errors.js";
import { topNItems, topNScores, topNUnseen } from "../nested/nested-rank.js";
import type { Csr } from "../tensor/csr.js";
import {
  openTableWriter,
  type ColumnSpec,
  type TableFormat,
  type TableWriter,
} from "../store/table-writer.js";
import { exportUserBatches, type ExportPart } from "./export-users.js";
import { itemVectors } from "./item-activations.js";
import type { ModelRunContext } from "./run-context.js";
import { readRunLabels, runItemActivations } from "./run-labels.js";
import { loadRunSae, type LoadedSae } from "./sae-ref.js";

/** What `reclens export` writes. */
export type ExportWhat = "topk" | "split" | "codes" | "activations" | "labels" | "embeddings";

/** The tables `reclens export` writes. */
export const EXPORT_WHATS: readonly ExportWhat[] = [
  "topk",
  "split",
  "codes",
  "activations",
  "labels",
  "embeddings",
];

/** Options of {@link exportRun} (defaults applied here). */
export interface ExportOptions {
  readonly what: ExportWhat;
  readonly format: TableFormat;
  /** File to write (replaced atomically). */
  readonly out: string;
  /** Users covered by topk, codes and user embeddings (default: "test" for topk, else "all"). */
  readonly part?: ExportPart;
  /** List length of topk (default 20). */
  readonly k?: number;
  /** embeddings: user vectors (probing site) or item vectors (default "users"). */
  readonly of?: "users" | "items";
  /** SAE directory for codes, activations and labels (default `<run>/sae`). */
  readonly sae?: string;
  /** Replace an existing file. */
  readonly force?: boolean;
}

/** What was written. */
export interface ExportResult {
  readonly path: string;
  readonly what: ExportWhat;
  readonly format: TableFormat;
  readonly rows: number;
  readonly columns: readonly string[];
}

const PART_NAMES = ["all", "train", "validation", "test"] as const;

/** The columns of each export (see docs/formats.md). */
export function exportColumns(what: ExportWhat, width = 0): ColumnSpec[] {
  switch (what) {
    case "topk":
      return [
        { name: "user", type: "string" },
        { name: "rank", type: "int32" },
        { name: "item", type: "string" },
        { name: "score", type: "float32" },
      ];
    case "split":
      return [
        { name: "user", type: "string" },
        { name: "item", type: "string" },
        { name: "part", type: "string" },
        { name: "role", type: "string" },
      ];
    case "codes":
      return [
        { name: "user", type: "string" },
        { name: "latent", type: "int32" },
        { name: "value", type: "float32" },
      ];
    case "activations":
      return [
        { name: "item", type: "string" },
        { name: "latent", type: "int32" },
        { name: "value", type: "float32" },
      ];
    case "labels":
      return [
        { name: "latent", type: "int32" },
        { name: "label", type: "string" },
        { name: "source", type: "string" },
        { name: "description", type: "string" },
        { name: "concept_kind", type: "string" },
        { name: "concept_name", type: "string" },
        { name: "scores", type: "json" },
        { name: "updated_at", type: "string" },
      ];
    case "embeddings":
      return [
        { name: "id", type: "string" },
        { name: "embedding", type: "float32[]", width },
      ];
  }
}

function check(ctx: ModelRunContext, o: ExportOptions): void {
  if (!EXPORT_WHATS.includes(o.what))
    throw new BadInput(`--what must be one of ${EXPORT_WHATS.join(", ")}, got "${o.what}"`, "what");
  if (o.part !== undefined && !PART_NAMES.includes(o.part))
    throw new BadInput(`--part must be one of ${PART_NAMES.join(", ")}, got "${o.part}"`, "part");
  if (o.k !== undefined && !(Number.isInteger(o.k) && o.k >= 1))
    throw new BadInput(`--k must be a positive integer, got ${o.k}`, "k");
  if (existsSync(o.out) && !o.force) throw new Conflict(`${o.out}: exists; add --force to replace it`, "out");
  if (ctx.model.sequential && (o.part === "train" || o.part === "all") && !ctx.dataset.timestamps)
    throw new BadInput(`${ctx.dir}: a sequential model needs time-ordered histories`, "part");
}

/** Rows of the CSR `m` as (row, item) pairs, appended to the column arrays. */
function pushPairs(
  m: Csr,
  users: ArrayLike<number>,
  part: string,
  role: string,
  ctx: ModelRunContext,
  w: TableWriter,
): void {
  const cols = { user: [] as string[], item: [] as string[], part: [] as string[], role: [] as string[] };
  const flush = (): void => {
    w.write(cols);
    for (const a of Object.values(cols)) a.length = 0;
  };
  for (let r = 0; r < m.rows; r++) {
    const id = ctx.dataset.users[users[r]];
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      cols.user.push(id);
      cols.item.push(ctx.dataset.items[m.indices[p]]);
      cols.part.push(part);
      cols.role.push(role);
    }
    if (cols.user.length >= 65536) flush();
  }
  flush();
}

function writeSplit(ctx: ModelRunContext, w: TableWriter): void {
  const s = ctx.split;
  pushPairs(s.train, s.trainUsers, "train", "train", ctx, w);
  for (const [name, p] of [
    ["validation", s.validation],
    ["test", s.test],
  ] as const) {
    pushPairs(p.foldIn, p.users, name, "fold-in", ctx, w);
    pushPairs(p.target, p.users, name, "target", ctx, w);
  }
}

function writeTopK(ctx: ModelRunContext, part: ExportPart, k: number, w: TableWriter): void {
  for (const { users, batch } of exportUserBatches(ctx, part)) {
    const top = topNUnseen(ctx.model.scoreUsers(batch), batch.rows, k);
    const cols = { user: [] as string[], rank: [] as number[], item: [] as string[], score: [] as number[] };
    for (let r = 0; r < users.length; r++) {
      const items = topNItems(top, r);
      const scores = topNScores(top, r);
      for (let p = 0; p < items.length; p++) {
        cols.user.push(ctx.dataset.users[users[r]]);
        cols.rank.push(p + 1);
        cols.item.push(ctx.dataset.items[items[p]]);
        cols.score.push(scores[p]);
      }
    }
    w.write({ ...cols, rank: Int32Array.from(cols.rank), score: Float32Array.from(cols.score) });
  }
}

function writeCodes(ctx: ModelRunContext, loaded: LoadedSae, part: ExportPart, w: TableWriter): void {
  for (const { users, batch } of exportUserBatches(ctx, part)) {
    const code = loaded.sae.encode(ctx.model.encodeUsers(batch));
    const n = code.indptr[code.rows];
    const user = new Array<string>(n);
    for (let r = 0; r < code.rows; r++)
      for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) user[p] = ctx.dataset.users[users[r]];
    w.write({ user, latent: code.indices.slice(0, n), value: code.values.slice(0, n) });
  }
}

function writeActivations(ctx: ModelRunContext, loaded: LoadedSae, w: TableWriter): void {
  const z = runItemActivations(ctx, loaded);
  for (let s = 0; s < z.rows; s += 1024) {
    const cols = { item: [] as string[], latent: [] as number[], value: [] as number[] };
    for (let i = s; i < Math.min(z.rows, s + 1024); i++) {
      const row = z.row(i);
      for (let j = 0; j < row.length; j++)
        if (row[j] !== 0) {
          cols.item.push(ctx.dataset.items[i]);
          cols.latent.push(j);
          cols.value.push(row[j]);
        }
    }
    w.write({ ...cols, latent: Int32Array.from(cols.latent), value: Float32Array.from(cols.value) });
  }
}

function writeLabels(ctx: ModelRunContext, loaded: LoadedSae, w: TableWriter): void {
  const doc = readRunLabels(ctx, loaded);
  const ids = Object.keys(doc.labels)
    .map(Number)
    .sort((a, b) => a - b);
  const e = ids.map((j) => doc.labels[String(j)]);
  w.write({
    latent: Int32Array.from(ids),
    label: e.map((x) => x.label),
    source: e.map((x) => x.source),
    description: e.map((x) => x.description ?? null),
    concept_kind: e.map((x) => x.concept?.kind ?? null),
    concept_name: e.map((x) => x.concept?.name ?? null),
    scores: e.map((x) => x.scores),
    updated_at: e.map((x) => x.updatedAt),
  });
}

function writeEmbeddings(ctx: ModelRunContext, o: ExportOptions, w: TableWriter): void {
  if (o.of === "items") {
    const v = itemVectors(ctx.model);
    for (let s = 0; s < v.rows; s += 1024) {
      const e = Math.min(v.rows, s + 1024);
      w.write({
        id: ctx.dataset.items.slice(s, e),
        embedding: Array.from({ length: e - s }, (_, r) => v.row(s + r)),
      });
    }
    return;
  }
  for (const { users, batch } of exportUserBatches(ctx, o.part ?? "all")) {
    const z = ctx.model.encodeUsers(batch);
    w.write({
      id: Array.from(users, (u) => ctx.dataset.users[u]),
      embedding: Array.from({ length: z.rows }, (_, r) => z.row(r)),
    });
  }
}

/**
 * `reclens export`: writes one table of a model run (columns: {@link exportColumns}; docs/formats.md)
 * as Parquet, CSV or JSONL, batch by batch to a temporary file renamed into place:
 * - topk: each user's top-k items with scores, seen items excluded (part "test"/"validation": from
 *   the fold-in rows, as the run's metrics; "all": the whole history, as `reclens recommend`);
 * - split: every (user, item) of the split with its part and role (train / fold-in / target);
 * - codes: the SAE code of each user (non-zeros); activations: item activations Z (non-zeros);
 * - labels: the labelled latents; embeddings: probing-site vectors of users or items.
 */
export function exportRun(ctx: ModelRunContext, o: ExportOptions): ExportResult {
  check(ctx, o);
  const needsSae = o.what === "codes" || o.what === "activations" || o.what === "labels";
  const loaded = needsSae ? loadRunSae(ctx, o.sae) : undefined;
  const columns = exportColumns(o.what, o.what === "embeddings" ? ctx.model.dim : 0);
  if (o.what === "embeddings" && o.of === "items" && o.part !== undefined)
    throw new BadInput("--part applies to user embeddings, not --of items", "part");
  const w = openTableWriter(o.out, o.format, columns);
  try {
    if (o.what === "topk") writeTopK(ctx, o.part ?? "test", o.k ?? 20, w);
    else if (o.what === "split") writeSplit(ctx, w);
    else if (o.what === "codes") writeCodes(ctx, loaded as LoadedSae, o.part ?? "all", w);
    else if (o.what === "activations") writeActivations(ctx, loaded as LoadedSae, w);
    else if (o.what === "labels") writeLabels(ctx, loaded as LoadedSae, w);
    else writeEmbeddings(ctx, o, w);
    const rows = w.close();
    return { path: o.out, what: o.what, format: o.format, rows, columns: columns.map((c) => c.name) };
  } catch (err) {
    w.abort();
    throw err;
  }
}
