import { z } from "zod";
import { describeIssues, parseWith } from "../store/validation.js";
import { LlmCache, requestHash } from "./llm-cache.js";
import { pickSetting as pick, postJson } from "./openai-http.js";

export { networkErrorText } from "./openai-http.js";

/**
 * Complete configuration of the OpenAI-compatible chat client. `baseUrl` includes the API prefix,
 * e.g. http://127.0.0.1:8080/v1 (llama.cpp server), http://127.0.0.1:11434/v1 (Ollama),
 * http://127.0.0.1:8000/v1 (vLLM); requests go to `${baseUrl}/chat/completions`.
 */
export interface LlmConfig {
  baseUrl: string;
  model: string;
  /** Sent as "Authorization: Bearer <key>" when set. */
  apiKey?: string;
  temperature: number;
  maxTokens: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Extra attempts after the first, for 429/5xx/network errors and malformed replies. */
  maxRetries: number;
  /** Back-off before retry r (0-based) is min(backoffMaxMs, backoffBaseMs * 2^r), jittered to [50%, 100%]. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Most HTTP requests in flight at once. */
  concurrency: number;
  /** Ask for `response_format: {type: "json_object"}` (llama.cpp, Ollama and vLLM honour it). */
  jsonMode: boolean;
  /** Directory of the reply cache; no caching when absent. */
  cacheDir?: string;
}

/** Schema of LlmConfig with its defaults. */
export const LlmConfigSchema = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/ }),
    model: z.string().min(1),
    apiKey: z.string().min(1).optional(),
    temperature: z.number().min(0).max(2).default(0),
    maxTokens: z.number().int().positive().default(400),
    timeoutMs: z.number().int().positive().default(120_000),
    maxRetries: z.number().int().min(0).max(20).default(4),
    backoffBaseMs: z.number().min(0).default(500),
    backoffMaxMs: z.number().min(0).default(30_000),
    concurrency: z.number().int().positive().max(256).default(4),
    jsonMode: z.boolean().default(true),
    cacheDir: z.string().min(1).optional(),
  })
  .strict();

/** Thrown when no LLM endpoint is configured. */
export class LlmNotConfiguredError extends Error {
  constructor(missing: string[]) {
    super(
      `No LLM endpoint configured (missing ${missing.join(" and ")}). Set RECLENS_LLM_BASE_URL ` +
        `(e.g. http://127.0.0.1:8080/v1 for a llama.cpp server, http://127.0.0.1:11434/v1 for Ollama) and ` +
        `RECLENS_LLM_MODEL (RECLENS_LLM_API_KEY if the server needs one), or pass baseUrl and model in the ` +
        `config. Without an LLM, labels come from TF-IDF and purity (the default labeller).`,
    );
    this.name = "LlmNotConfiguredError";
  }
}

/** Thrown when a request fails for good (non-retryable status, or retries exhausted). */
export class LlmError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "LlmError";
  }
}

/**
 * The complete config from explicit settings, falling back to RECLENS_LLM_BASE_URL, RECLENS_LLM_MODEL
 * and RECLENS_LLM_API_KEY. Throws LlmNotConfiguredError when the URL or model is missing and a
 * ValidationError naming the field for bad values.
 */
export function resolveLlmConfig(
  explicit: Partial<LlmConfig> = {},
  env: Record<string, string | undefined> = process.env,
): LlmConfig {
  const baseUrl = pick(explicit.baseUrl, env.RECLENS_LLM_BASE_URL);
  const model = pick(explicit.model, env.RECLENS_LLM_MODEL);
  const apiKey = pick(explicit.apiKey, env.RECLENS_LLM_API_KEY);
  const missing = [...(baseUrl ? [] : ["RECLENS_LLM_BASE_URL"]), ...(model ? [] : ["RECLENS_LLM_MODEL"])];
  if (missing.length > 0) throw new LlmNotConfiguredError(missing);
  const cfg = parseWith(LlmConfigSchema, { ...explicit, baseUrl, model, apiKey }, "LLM config");
  return { ...cfg, baseUrl: cfg.baseUrl.replace(/\/+$/, "") };
}

/** One chat message. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Counters of what the client did (for logs and tests). */
export interface LlmStats {
  requests: number;
  cacheHits: number;
  retries: number;
}

/** Injection points for tests: fetch, sleep and the jitter source. */
export interface LlmDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Thrown by a reply parser when the content is malformed; the client retries. */
export class MalformedReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedReplyError";
  }
}

/**
 * Strict JSON reply parsing: the content must be one JSON object (optionally inside a single ```json
 * fence, which several servers add) that `schema` accepts; anything else throws MalformedReplyError.
 */
export function parseJsonReply<S extends z.ZodType>(content: string, schema: S): z.output<S> {
  let text = content.trim();
  const fence = /^```(?:json)?\s*\n?([\s\S]*?)\n?```$/.exec(text);
  if (fence) text = fence[1].trim();
  if (!text.startsWith("{") || !text.endsWith("}"))
    throw new MalformedReplyError(`reply is not a JSON object: ${JSON.stringify(content.slice(0, 120))}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MalformedReplyError(
      `reply is not valid JSON (${(err as Error).message}): ${JSON.stringify(content.slice(0, 120))}`,
    );
  }
  const r = schema.safeParse(value, { reportInput: true });
  if (!r.success)
    throw new MalformedReplyError(
      `reply does not match the expected fields: ${describeIssues(r.error.issues).join("; ")}`,
    );
  return r.data;
}

/** Counting semaphore: at most `limit` callbacks run at once, the rest wait in FIFO order. */
class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

type Attempt =
  | { ok: true; content: string }
  | { ok: false; retry: boolean; reason: string; status?: number; waitMs?: number };

/**
 * Client for any OpenAI-compatible chat endpoint (POST {baseUrl}/chat/completions). Each call
 * checks the on-disk cache (key: sha256 of model, messages and sampling settings), then requests
 * with at most `concurrency` in flight, retrying 429/5xx/network errors and malformed replies with
 * exponential back-off (Retry-After honoured, capped); other statuses fail at once.
 */
export class LlmClient {
  readonly stats: LlmStats = { requests: 0, cacheHits: 0, retries: 0 };
  private readonly limiter: Limiter;
  private readonly cache?: LlmCache;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    readonly config: LlmConfig,
    deps: LlmDeps = {},
  ) {
    this.limiter = new Limiter(config.concurrency);
    if (config.cacheDir) this.cache = new LlmCache(config.cacheDir);
    this.fetchFn = deps.fetch ?? fetch;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
  }

  /** Sends `messages` and returns `parse(content)`; a parser throwing MalformedReplyError triggers a retry. */
  async complete<T>(messages: ChatMessage[], parse: (content: string) => T): Promise<T> {
    const c = this.config;
    const body = {
      model: c.model,
      messages,
      temperature: c.temperature,
      max_tokens: c.maxTokens,
      ...(c.jsonMode ? { response_format: { type: "json_object" } } : {}),
    };
    const key = requestHash(body);
    const cached = this.cache?.get(key);
    if (cached !== undefined) {
      try {
        const value = parse(cached);
        this.stats.cacheHits++;
        return value;
      } catch {
        // A cached reply the parser now rejects: ask again.
      }
    }
    const url = `${c.baseUrl}/chat/completions`;
    let last = "";
    for (let attempt = 0; attempt <= c.maxRetries; attempt++) {
      if (attempt > 0) this.stats.retries++;
      const r = await this.limiter.run(() => this.attempt(url, body));
      let waitMs: number | undefined;
      if (r.ok) {
        try {
          const value = parse(r.content);
          this.cache?.set(key, r.content, c.model);
          return value;
        } catch (err) {
          if (!(err instanceof MalformedReplyError)) throw err;
          last = `malformed reply: ${err.message}`;
        }
      } else {
        if (!r.retry) throw new LlmError(`LLM request to ${url} failed: ${r.reason}`, r.status);
        last = r.reason;
        waitMs = r.waitMs;
      }
      if (attempt < c.maxRetries) {
        const backoff =
          Math.min(c.backoffMaxMs, c.backoffBaseMs * 2 ** attempt) * (0.5 + 0.5 * this.random());
        await this.sleep(Math.min(c.backoffMaxMs, waitMs ?? backoff));
      }
    }
    throw new LlmError(
      `LLM request to ${url} failed after ${c.maxRetries + 1} attempts; last error: ${last}`,
    );
  }

  private async attempt(url: string, body: object): Promise<Attempt> {
    this.stats.requests++;
    const reply = await postJson(this.fetchFn, url, JSON.stringify(body), {
      apiKey: this.config.apiKey,
      timeoutMs: this.config.timeoutMs,
      networkError: "network error",
    });
    if (!reply.ok) return reply;
    const text = reply.text;
    let content: unknown;
    try {
      const doc = JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] };
      content = doc.choices?.[0]?.message?.content;
    } catch {
      return {
        ok: false,
        retry: true,
        reason: `response body is not JSON: ${JSON.stringify(text.slice(0, 120))}`,
      };
    }
    if (typeof content !== "string")
      return { ok: false, retry: true, reason: "response has no choices[0].message.content string" };
    return { ok: true, content };
  }
}
