/**
 * The one domain error family. Services throw these; the edges map them once: the CLI to exit codes
 * ({@link exitCodeOf}, used by src/cli/index.ts) and the HTTP server to statuses ({@link httpStatusOf},
 * used by the fastify error handler in src/serve/http-errors.ts). Anything else is an internal error
 * (exit code 1, HTTP 500).
 */
export type DomainErrorKind = "bad-input" | "not-found" | "conflict" | "unavailable";

/** Base of the family: a message fit to show the user, and the input field at fault when there is one. */
export abstract class DomainError extends Error {
  /** Which member of the family (stable, for mapping and tests). */
  abstract readonly kind: DomainErrorKind;

  constructor(
    message: string,
    /** The input field at fault ("suppress", "n", "body.strength", "id"), when one is. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The caller gave a value that cannot be used (out of range, malformed, unknown label, bad file). */
export class BadInput extends DomainError {
  readonly kind = "bad-input";

  constructor(message: string, field?: string) {
    super(message, field);
    this.name = "BadInput";
  }
}

/** What the caller named does not exist (user, item, neuron, run, file). */
export class NotFound extends DomainError {
  readonly kind = "not-found";

  constructor(message: string, field?: string) {
    super(message, field);
    this.name = "NotFound";
  }
}

/** The request contradicts existing state (an artifact exists, a fingerprint does not match). */
export class Conflict extends DomainError {
  readonly kind = "conflict";

  constructor(message: string, field?: string) {
    super(message, field);
    this.name = "Conflict";
  }
}

/** The action cannot be carried out with what is loaded (e.g. the model has no item vectors). */
export class Unavailable extends DomainError {
  readonly kind = "unavailable";

  constructor(message: string, field?: string) {
    super(message, field);
    this.name = "Unavailable";
  }
}

/** CLI exit codes: 0 success, 1 internal error, then one per member of the family. */
export const EXIT_CODES: Readonly<Record<DomainErrorKind | "internal", number>> = {
  internal: 1,
  "bad-input": 2,
  "not-found": 3,
  conflict: 4,
  unavailable: 5,
};

/** HTTP status of each member of the family (anything else is a 500). */
export const HTTP_STATUSES: Readonly<Record<DomainErrorKind, number>> = {
  "bad-input": 400,
  "not-found": 404,
  conflict: 409,
  unavailable: 503,
};

/** The process exit code for an error reaching the CLI entry. */
export function exitCodeOf(err: unknown): number {
  return err instanceof DomainError ? EXIT_CODES[err.kind] : EXIT_CODES.internal;
}

/** The HTTP status of a domain error, undefined for anything else. */
export function httpStatusOf(err: unknown): number | undefined {
  return err instanceof DomainError ? HTTP_STATUSES[err.kind] : undefined;
}
