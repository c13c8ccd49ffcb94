import {
  heldOutUsersSplit,
  leaveKOutSplit,
  leaveOneOutSequences,
  sequenceInputs,
  sequencesToCsr,
  type HeldOutPart,
} from "../data/splits/index.js";
import type { Dataset } from "../data/types.js";
import type { Manifest } from "../store/manifest.js";
import { CsrRowBuilder } from "../data/splits/rowBuilder.js";
import { Csr } from "../tensor/csr.js";

/** Held-out users (Liang et al. 2018, strong generalisation): whole users are kept out of training. */
export interface HeldOutUsersSettings {
  readonly kind: "heldOutUsers";
  readonly seed: number;
  readonly valFraction: number;
  readonly testFraction: number;
  readonly foldInFraction: number;
}

/** Leave-k-out (weak generalisation): every user trains; k (test) and valK (validation) items are held out. */
export interface LeaveKOutSettings {
  readonly kind: "leaveKOut";
  readonly seed: number;
  readonly k: number;
  readonly valK: number;
  readonly order: "random" | "recent";
}

/**
 * Leave-one-out by time (the SASRec protocol): each user's last item is the test target, the one
 * before it the validation target, the rest trains. The seed only seeds the model (the split is
 * deterministic).
 */
export interface LeaveOneOutSettings {
  readonly kind: "leaveOneOut";
  readonly seed: number;
}

/** How a training run splits its data (recorded as manifest config.split, seed as manifest.seed). */
export type SplitSettings = HeldOutUsersSettings | LeaveKOutSettings | LeaveOneOutSettings;

/** Split settings as given by a caller: the kind (default held-out users) and any fields to override. */
export type SplitInput =
  | ({ readonly kind?: "heldOutUsers" } & Partial<Omit<HeldOutUsersSettings, "kind" | "seed">>)
  | ({ readonly kind: "leaveKOut" } & Partial<Omit<LeaveKOutSettings, "kind" | "seed">>)
  | { readonly kind: "leaveOneOut" };

/** Split names as the CLI spells them. */
export const SPLIT_NAMES = {
  "held-out-users": "heldOutUsers",
  "leave-k-out": "leaveKOut",
  "leave-one-out": "leaveOneOut",
} as const;

/**
 * One evaluation part of a run, whatever the split: row r of `foldIn` (what the model sees, excluded
 * from the ranking) and `target` (what it must find) belongs to dataset user `users[r]`. With
 * `userIds` (leave-k-out) the users are rows of the training matrix, so id-based models (MF) score
 * them with their learned embeddings instead of folding them in.
 */
export interface EvalPart extends HeldOutPart {
  readonly userIds?: Int32Array;
  /** Leave-one-out: each row's input history in time order (what sequential models encode). */
  readonly sequences?: readonly Int32Array[];
}

/** A run's data split in the one shape every later stage reads. */
export interface RunSplit {
  /** Dataset user of each training row, ascending. */
  readonly trainUsers: Int32Array;
  /** trainUsers x all items: what the model is fitted on. */
  readonly train: Csr;
  /** Leave-one-out: each training row's items in time order (sequential models train on them). */
  readonly trainSequences?: readonly Int32Array[];
  readonly validation: EvalPart;
  readonly test: EvalPart;
}

/** Complete settings: the input's kind and fields over the defaults (held-out 0.1/0.1/0.8; leave-5-out, 5 for validation, random). */
export function resolveSplitSettings(seed: number, input: SplitInput = {}): SplitSettings {
  if (input.kind === "leaveOneOut") return { kind: "leaveOneOut", seed };
  if (input.kind === "leaveKOut") {
    const k = input.k ?? 5;
    return { kind: "leaveKOut", seed, k, valK: input.valK ?? k, order: input.order ?? "random" };
  }
  return {
    kind: "heldOutUsers",
    seed,
    valFraction: input.valFraction ?? 0.1,
    testFraction: input.testFraction ?? 0.1,
    foldInFraction: input.foldInFraction ?? 0.8,
  };
}

/**
 * Rows `users` of a + b for two users x items matrices with disjoint, sorted rows (a user's training
 * and validation items), merged row by row.
 */
function mergedRows(a: Csr, b: Csr, users: Int32Array): Csr {
  const out = new CsrRowBuilder(a.cols, users.length > 0 ? a.nnz + b.nnz : 0);
  for (const u of users) {
    out.startRow();
    let p = a.indptr[u];
    let q = b.indptr[u];
    const pe = a.indptr[u + 1];
    const qe = b.indptr[u + 1];
    while (p < pe || q < qe) {
      if (q >= qe || (p < pe && a.indices[p] < b.indices[q])) {
        out.push(a.indices[p], a.values[p]);
        p++;
      } else {
        out.push(b.indices[q], b.values[q]);
        q++;
      }
    }
  }
  return out.build();
}

/**
 * Splits the data as the settings say. Held-out users: the split of `heldOutUsersSplit`.
 * Leave-k-out: every dataset user is a training row; the validation part gives each user with a
 * validation set their training items as fold-in and their valK items as target, the test part
 * their training and validation items as fold-in and their k test items as target (both with user
 * ids, see {@link EvalPart}).
 */
export function splitForRun(dataset: Dataset, s: SplitSettings): RunSplit {
  if (s.kind === "leaveOneOut") return leaveOneOutRunSplit(dataset);
  if (s.kind === "heldOutUsers") {
    const h = heldOutUsersSplit(dataset, s);
    return { trainUsers: h.trainUsers, train: h.train, validation: h.validation, test: h.test };
  }
  const l = leaveKOutSplit(dataset, s);
  const part = (users: Int32Array, foldIn: Csr, target: Csr): EvalPart => ({
    users,
    foldIn,
    target: target.gatherRows(users),
    userIds: users,
  });
  return {
    trainUsers: Int32Array.from({ length: l.train.rows }, (_, u) => u),
    train: l.train,
    validation: part(l.validationUsers, l.train.gatherRows(l.validationUsers), l.validation),
    test: part(l.testUsers, mergedRows(l.train, l.validation, l.testUsers), l.test),
  };
}

/**
 * Leave-one-out parts: every dataset user is a training row (its sequence without the last two
 * items); validation ranks each user's second-to-last item from the training sequence, test the last
 * item from the training sequence plus the validation item. Users with fewer than 3 interactions
 * only train. Rankings exclude the user's whole input history.
 */
function leaveOneOutRunSplit(dataset: Dataset): RunSplit {
  const seq = leaveOneOutSequences(dataset);
  const n = seq.nItems;
  const part = (targets: Int32Array, inputs: readonly Int32Array[]): EvalPart => {
    const users = Int32Array.from(Array.from(targets.keys()).filter((u) => targets[u] >= 0));
    const sequences = Array.from(users, (u) => inputs[u]);
    const target = Csr.fromTriplets(
      users.length,
      n,
      Array.from(users, (_, r) => r),
      Array.from(users, (u) => targets[u]),
    );
    return { users, foldIn: sequencesToCsr(sequences, n), target, userIds: users, sequences };
  };
  return {
    trainUsers: Int32Array.from({ length: seq.train.length }, (_, u) => u),
    train: sequencesToCsr(seq.train, n),
    trainSequences: seq.train,
    validation: part(seq.validation, sequenceInputs(seq, "validation")),
    test: part(seq.test, sequenceInputs(seq, "test")),
  };
}

function field<T>(
  split: Record<string, unknown>,
  name: string,
  ok: (v: unknown) => v is T,
  where: string,
): T | undefined {
  const v = split[name];
  if (v === undefined) return undefined;
  if (!ok(v)) throw new Error(`${where}: config.split.${name} is ${JSON.stringify(v)}, not a valid value`);
  return v;
}

const isFraction = (v: unknown): v is number => typeof v === "number" && v >= 0 && v <= 1;
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isOrder = (v: unknown): v is "random" | "recent" => v === "random" || v === "recent";

/**
 * The split settings a model run recorded (manifest config.split, seed = manifest.seed), with the
 * defaults for missing fields. Throws naming the manifest and the field on an unknown kind or a bad value.
 */
export function splitSettingsOf(manifest: Manifest, where = "manifest.json"): SplitSettings {
  const split = (manifest.config as { split?: unknown }).split;
  if (typeof split !== "object" || split === null)
    throw new Error(`${where}: config.split is missing (not a model run?)`);
  const s = split as Record<string, unknown>;
  if (s.kind === "heldOutUsers")
    return resolveSplitSettings(manifest.seed, {
      kind: "heldOutUsers",
      valFraction: field(s, "valFraction", isFraction, where),
      testFraction: field(s, "testFraction", isFraction, where),
      foldInFraction: field(s, "foldInFraction", isFraction, where),
    });
  if (s.kind === "leaveKOut")
    return resolveSplitSettings(manifest.seed, {
      kind: "leaveKOut",
      k: field(s, "k", isCount, where),
      valK: field(s, "valK", isCount, where),
      order: field(s, "order", isOrder, where),
    });
  if (s.kind === "leaveOneOut") return resolveSplitSettings(manifest.seed, { kind: "leaveOneOut" });
  throw new Error(
    `${where}: config.split.kind is ${JSON.stringify(s.kind)}, expected "heldOutUsers", "leaveKOut" or "leaveOneOut" (not a model run?)`,
  );
}
