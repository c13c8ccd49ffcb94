import type { z } from "zod";

/** Thrown when a config or a stored JSON document fails validation; the message lists every problem. */
export class ValidationError extends Error {
  /** One line per problem: "field: message (got value)". */
  readonly problems: string[];

  constructor(where: string, problems: string[]) {
    super(`${where}:${problems.length === 1 ? ` ${problems[0]}` : `\n  ${problems.join("\n  ")}`}`);
    this.name = "ValidationError";
    this.problems = problems;
  }
}

function show(value: unknown): string {
  if (value === undefined) return "undefined";
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Formats zod issues as "path: message (got value)" lines. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join(".") : "(root)";
    if (issue.code === "unrecognized_keys")
      return `${path}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    const got =
      "input" in issue && issue.input !== undefined
        ? ` (got ${show(issue.input)})`
        : issue.path.length
          ? " (missing)"
          : "";
    return `${path}: ${issue.message}${got}`;
  });
}

/**
 * Parses `value` with `schema` (applying its defaults) or throws a ValidationError whose message
 * starts with `where` (e.g. "elsa config" or a file name) and names each bad field and its value.
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  throw new ValidationError(where, describeIssues(r.error.issues));
}
