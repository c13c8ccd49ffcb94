import { z } from "zod";

/** Processing options: binarisation, filtering and metadata extraction. Defaults are applied once by {@link resolveProcessOptions}. */
export const processOptionsSchema = z
  .object({
    /** Explicit ratings: keep entries with rating >= this. */
    ratingThreshold: z.number().finite().default(4),
    /** Play/consumption counts: keep entries with count > this. */
    countThreshold: z.number().finite().min(0).default(0),
    /** Store the original values (ratings, counts) in the matrix instead of 1. */
    keepValues: z.boolean().default(false),
    /** Drop users with fewer interactions (after binarisation). */
    minUserInteractions: z.number().int().min(0).default(0),
    /** Drop items with fewer interactions (after binarisation). */
    minItemInteractions: z.number().int().min(0).default(0),
    /** Repeat the user/item filters until both hold (k-core); otherwise one pass, items first. */
    kCore: z.boolean().default(false),
    /** Size cap of the tag vocabulary (most widely used tags first). */
    maxTags: z.number().int().min(0).default(1000),
    /** Keep only each item's most applied tags (0: no cap). */
    maxTagsPerItem: z.number().int().min(0).default(20),
    /** A tag becomes a concept only if at least this many items carry it. */
    minTagItems: z.number().int().min(1).default(2),
    /** Number of popularity quantile buckets (0: no popularity concepts). */
    popularityBuckets: z.number().int().min(0).max(100).default(5),
    /** Tags mentioned per item in itemText. */
    textTags: z.number().int().min(0).default(10),
  })
  .strict();

/** Complete processing options (after defaults). */
export type ProcessOptions = z.output<typeof processOptionsSchema>;
/** Processing options as a caller may give them (any subset). */
export type ProcessOptionsInput = z.input<typeof processOptionsSchema>;

/** Applies defaults and validates; throws an Error listing every bad option and why. */
export function resolveProcessOptions(input: ProcessOptionsInput = {}): ProcessOptions {
  const r = processOptionsSchema.safeParse(input);
  if (!r.success) {
    const msgs = r.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`);
    throw new Error(`invalid data processing options: ${msgs.join("; ")}`);
  }
  return r.data;
}
