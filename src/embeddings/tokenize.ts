/** English function words and catalogue filler skipped by the built-in text features and labels. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a about above after again all also am an and any are as at be because been before being below " +
    "between both but by can could did do does doing down during each few for from further had has have " +
    "having he her here hers him his how i if in into is it its itself just me more most my no nor not " +
    "now of off on once only or other our ours out over own same she should so some such than that the " +
    "their theirs them then there these they this those through to too under until up very was we were " +
    "what when where which while who whom why will with would you your yours " +
    "unknown category brand new x"
  ).split(" "),
);

/**
 * Lower-cased word tokens of `text`: runs of letters and digits (apostrophes dropped, other
 * punctuation splits), at least two characters, not purely numeric, not a stop word.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text
    .toLowerCase()
    .replace(/['\u2019]/g, "")
    .matchAll(/[\p{L}\p{N}]+/gu)) {
    const t = m[0];
    if (t.length < 2 || /^\p{N}+$/u.test(t) || STOP_WORDS.has(t)) continue;
    out.push(t);
  }
  return out;
}
