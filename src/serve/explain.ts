import { explainUserItems, type ExplainedItem } from "../pipeline/explain.js";
import { steerUser, type Steering } from "../pipeline/steering.js";
import { singleUserBatch } from "./user-batches.js";
import type { Workspace } from "./workspace.js";

/** GET /api/users/:id/explain response. */
export interface ExplainView {
  readonly user: { readonly id: string; readonly index: number; readonly interactions: number };
  /** Length of the steered list the ranks refer to. */
  readonly n: number;
  /** "exact" (affine decoders) or "gradient" (MultVAE); null when no item was explained. */
  readonly method: "exact" | "gradient" | null;
  /** The explained items: the steered top-n, or the one asked for (rank null when outside the list). */
  readonly items: ExplainedItem[];
}

/** Options of {@link explainForWorkspaceUser}. */
export interface ExplainRequest {
  readonly n: number;
  readonly steering: Steering;
  /** Explain this item column only (default: every item of the steered list). */
  readonly item?: number;
  /** Contributions listed per item. */
  readonly top: number;
}

/**
 * "Why this item" for workspace user `u` through the explain service (src/pipeline/explain.ts,
 * shared with `reclens recommend --explain`): the steered list comes from the steering service,
 * and each explained item's parts sum to its score in that list.
 */
export function explainForWorkspaceUser(ws: Workspace, u: number, req: ExplainRequest): ExplainView {
  const batch = singleUserBatch(ws.users, u);
  const { ops, result } = steerUser(ws.model, ws.sae, batch, req.n, req.steering);
  const items = req.item === undefined ? result.items : Int32Array.of(req.item);
  const describe = (i: number): { item: number; id: string; title?: string } => {
    const title = ws.dataset.itemTitles?.[i];
    return { item: i, id: ws.dataset.items[i], ...(title ? { title } : {}) };
  };
  const explained = explainUserItems(
    ws.model,
    ws.sae,
    ws.labels,
    batch,
    ops,
    items,
    result.items,
    describe,
    req.top,
  );
  return {
    user: { id: ws.users.ids[u], index: u, interactions: ws.users.rows.rowNnz(u) },
    n: req.n,
    method: explained[0]?.explanation.method ?? null,
    items: explained,
  };
}
