import type { ValueKind } from "./raw.js";

/*
 * Option types of the CSV and RecBole loaders. They live here, not in csv.ts / recbole.ts, so that
 * spec.ts can name them without importing the loaders (which import spec.ts).
 */

/** A column by header name or by 0-based index. */
export type ColumnRef = string | number;

/** Layout of a generic interactions file `user,item[,rating][,timestamp]`. */
export interface CsvColumnsOptions {
  /** Field separator; detected from the first lines when omitted (tab, comma, semicolon, pipe, space). */
  delimiter?: string;
  /** Whether the first line names the columns; detected when omitted or "auto". */
  header?: boolean | "auto";
  user?: ColumnRef;
  item?: ColumnRef;
  /** Value column, or null for implicit feedback (default: a "rating"-like column, else the 3rd column). */
  rating?: ColumnRef | null;
  /** Timestamp column (seconds or ISO dates), or null (default: a "timestamp"-like column, else the 4th). */
  timestamp?: ColumnRef | null;
  /** How to read values (default "rating"; "count" for weight/count/plays columns). */
  valueKind?: ValueKind;
  /**
   * What an empty timestamp cell means (default "drop-timestamps"): "drop-timestamps" keeps every
   * row and, if any cell is empty, loads the dataset WITHOUT timestamps (not time-ordered);
   * "skip-rows" drops rows with an empty cell; "error" rejects them. Counts are reported.
   */
  emptyTime?: EmptyTimePolicy;
}

/** Policies for empty timestamp cells (see {@link CsvColumnsOptions.emptyTime}). */
export type EmptyTimePolicy = "drop-timestamps" | "skip-rows" | "error";

/** Field names to use; anything left out is picked from conventional names (user_id, item_id, rating, timestamp, ...). */
export interface RecboleOptions {
  userField?: string;
  itemField?: string;
  /** Value column; null for none (implicit feedback). */
  valueField?: string | null;
  /** How to read the value column (default: "rating" for a field named rating, "count" for counts/weights/plays). */
  valueKind?: ValueKind;
  /** Timestamp column; null for none. */
  timeField?: string | null;
}
