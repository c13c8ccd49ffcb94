/**
 * The message of a failed fetch with its cause: Node's fetch says only "fetch failed" and keeps
 * the reason (e.g. "connect ECONNREFUSED 127.0.0.1:9", "getaddrinfo ENOTFOUND host") in `cause`.
 */
export function networkErrorText(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const x = e as { message?: unknown; code?: unknown; name?: unknown; cause?: unknown };
    const msg = typeof x.message === "string" && x.message ? x.message : String(e);
    const code = typeof x.code === "string" && !msg.includes(x.code) ? ` [${x.code}]` : "";
    if (x.name === "TimeoutError") parts.push("timed out");
    else if (!parts.some((p) => p.includes(msg))) parts.push(msg + code);
    e = x.cause;
  }
  return parts.length > 1 ? `${parts[0]} (${parts.slice(1).join("; ")})` : (parts[0] ?? "unknown error");
}

/** An explicit setting (trimmed) unless blank, else the environment's value (trimmed) unless blank. */
export function pickSetting(explicit: string | undefined, env: string | undefined): string | undefined {
  return explicit !== undefined && explicit.trim() !== "" ? explicit.trim() : env?.trim() || undefined;
}

/** One POST to an OpenAI-compatible endpoint: the reply body, or why it failed and whether to retry. */
export type PostReply =
  | { ok: true; text: string }
  | { ok: false; retry: boolean; reason: string; status?: number; waitMs?: number };

/** Where and how {@link postJson} sends. */
export interface PostOptions {
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
  /** Prefix of the reason of a network error (e.g. "endpoint unreachable"). */
  readonly networkError: string;
}

/**
 * POSTs a JSON `body` to `url` with a timeout. A network error and HTTP 429/5xx are retryable
 * (with `waitMs` from a Retry-After header in seconds); other non-2xx statuses are not. A 2xx reply
 * comes back as its body text, to be parsed by the caller.
 */
export async function postJson(
  fetchFn: typeof fetch,
  url: string,
  body: string,
  o: PostOptions,
): Promise<PostReply> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  let res: Response;
  try {
    res = await fetchFn(url, { method: "POST", headers, body, signal: AbortSignal.timeout(o.timeoutMs) });
  } catch (err) {
    return { ok: false, retry: true, reason: `${o.networkError}: ${networkErrorText(err)}` };
  }
  const text = await res.text().catch(() => "");
  if (!res.ok) {
    const ra = res.headers.get("retry-after");
    const wait =
      ra !== null && Number.isFinite(Number(ra)) && Number(ra) >= 0 ? Number(ra) * 1000 : undefined;
    return {
      ok: false,
      retry: res.status === 429 || res.status >= 500,
      status: res.status,
      reason: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}`,
      ...(wait !== undefined ? { waitMs: wait } : {}),
    };
  }
  return { ok: true, text };
}
