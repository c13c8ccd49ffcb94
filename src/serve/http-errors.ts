import type { FastifyError, FastifyInstance } from "fastify";
import type { z } from "zod";
import { BadInput, DomainError, httpStatusOf } from "../errors.js";
import { describeIssues } from "../store/validation.js";

/** JSON body of every error response. */
export interface ErrorBody {
  readonly statusCode: number;
  /** HTTP reason phrase ("Bad Request", "Not Found", ...). */
  readonly error: string;
  readonly message: string;
  /** The request field at fault ("n", "boost", "body.strength", "id"), when one is. */
  readonly field?: string;
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** An error that becomes a JSON response with the given status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "HttpError";
  }

  /** The response body. */
  body(): ErrorBody {
    return {
      statusCode: this.statusCode,
      error: REASONS[this.statusCode] ?? "Error",
      message: this.message,
      ...(this.field !== undefined ? { field: this.field } : {}),
    };
  }
}

/** Runs `f`; a BadInput naming field "x" is rethrown naming "body.x" (same message): for body checks done by a service. */
export function inBody<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof BadInput && err.field !== undefined && !err.field.startsWith("body"))
      throw new BadInput(err.message, `body.${err.field}`);
    throw err;
  }
}

/** The HTTP form of a domain error (src/errors.ts): the one mapping of the family to statuses. */
export function httpErrorOf(err: DomainError): HttpError {
  return new HttpError(httpStatusOf(err) ?? 500, err.message, err.field);
}

/**
 * Parses a request part with `schema`; on failure throws a 400 naming the first bad field (prefixed
 * with `part` for bodies: "body.strength") and listing every problem.
 */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  part: "query" | "params" | "body",
): z.output<S> {
  const r = schema.safeParse(value ?? {}, { reportInput: true });
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  let path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") path = [...path, issue.keys[0]];
  // Query and path fields are named by their parameter; body fields by their path inside the body.
  const field = part === "body" ? ["body", ...path].join(".") : (path[0] ?? "(root)");
  const problems = describeIssues(r.error.issues).map((p) => (part === "body" ? `body.${p}` : p));
  throw new HttpError(400, problems.join("; "), field);
}

/**
 * JSON errors everywhere: HttpError as is, domain errors (BadInput 400, NotFound 404, Conflict 409,
 * Unavailable 503) through {@link httpErrorOf}, Fastify's own client errors (bad JSON, body too large,
 * wrong content type) with their status, anything else as a 500 without internals; unknown routes
 * are 404.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError | DomainError, _req, reply) => {
    if (err instanceof HttpError) return reply.status(err.statusCode).send(err.body());
    if (err instanceof DomainError) {
      const e = httpErrorOf(err);
      return reply.status(e.statusCode).send(e.body());
    }
    const status =
      typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500
        ? err.statusCode
        : 500;
    if (status === 500) app.log.error(err);
    const message = status === 500 ? "internal error" : err.message;
    const field =
      status === 413 || status === 415 || (status === 400 && /JSON|body/i.test(err.message))
        ? "body"
        : undefined;
    return reply.status(status).send(new HttpError(status, message, field).body());
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(new HttpError(404, `no route ${req.method} ${req.url.split("?")[0]}`).body());
  });
}
