import { BadInput, Unavailable } from "../errors.js";
import { pickSetting as pick, postJson } from "../concepts/openai-http.js";
import { Matrix } from "../tensor/matrix.js";
import { EmbeddingCache, embeddingKey } from "./embed-cache.js";
import type { EmbedderInfo, TextEmbedder } from "./types.js";

/**
 * Settings of the OpenAI-compatible embeddings client. `baseUrl` includes the API prefix
 * (http://127.0.0.1:8080/v1 for llama.cpp, http://127.0.0.1:11434/v1 for Ollama, .../v1 for vLLM or a
 * hosted API); requests go to `${baseUrl}/embeddings`.
 */
export interface OpenAiEmbedderConfig {
  baseUrl: string;
  model: string;
  /** Sent as "Authorization: Bearer <key>" when set; never recorded. */
  apiKey?: string;
  /** Expected output dimension: replies of another length are an error; also sent as `dimensions` when `sendDimensions`. */
  dim?: number;
  /** Send `dimensions: dim` in the request (models with Matryoshka embeddings honour it). */
  sendDimensions: boolean;
  /** Texts per request. */
  batchSize: number;
  /** Extra attempts after the first, for 429/5xx/network errors and malformed replies. */
  maxRetries: number;
  /** Back-off before retry r (0-based): min(backoffMaxMs, backoffBaseMs * 2^r), Retry-After honoured. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Directory of the per-text embedding cache; no caching when absent. */
  cacheDir?: string;
}

/** Defaults of the optional settings. */
export const OPENAI_EMBEDDER_DEFAULTS = {
  sendDimensions: false,
  batchSize: 64,
  maxRetries: 4,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  timeoutMs: 120_000,
} as const;

/**
 * The complete config from explicit settings, falling back to RECLENS_EMBED_BASE_URL,
 * RECLENS_EMBED_MODEL and RECLENS_EMBED_API_KEY. Errors (BadInput) name the missing or bad field.
 */
export function resolveOpenAiEmbedderConfig(
  explicit: Partial<OpenAiEmbedderConfig> = {},
  env: Record<string, string | undefined> = process.env,
): OpenAiEmbedderConfig {
  const baseUrl = pick(explicit.baseUrl, env.RECLENS_EMBED_BASE_URL);
  const model = pick(explicit.model, env.RECLENS_EMBED_MODEL);
  const apiKey = pick(explicit.apiKey, env.RECLENS_EMBED_API_KEY);
  if (!baseUrl)
    throw new BadInput(
      "embeddings endpoint not set: pass --embed-url (e.g. http://127.0.0.1:8080/v1) or set RECLENS_EMBED_BASE_URL",
      "embedUrl",
    );
  if (!/^https?:\/\/[^/]+/.test(baseUrl))
    throw new BadInput(`--embed-url must be an http(s) URL, got "${baseUrl}"`, "embedUrl");
  if (!model)
    throw new BadInput(
      "embeddings model not set: pass --embed-model or set RECLENS_EMBED_MODEL",
      "embedModel",
    );
  const cfg: OpenAiEmbedderConfig = {
    ...OPENAI_EMBEDDER_DEFAULTS,
    ...Object.fromEntries(Object.entries(explicit).filter(([, v]) => v !== undefined)),
    baseUrl: baseUrl.replace(/\/+$/, ""),
    model,
    ...(apiKey ? { apiKey } : {}),
  };
  const int = (name: keyof OpenAiEmbedderConfig, v: unknown, min: number): void => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min)
      throw new BadInput(`embeddings ${name} must be an integer >= ${min}, got ${String(v)}`, name);
  };
  int("batchSize", cfg.batchSize, 1);
  int("maxRetries", cfg.maxRetries, 0);
  int("timeoutMs", cfg.timeoutMs, 1);
  if (cfg.dim !== undefined) int("dim", cfg.dim, 1);
  return cfg;
}

/** Injectable effects (tests replace the clock). */
export interface OpenAiEmbedderDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** Requests made, texts served from the cache, retries. */
export interface EmbedderStats {
  requests: number;
  cacheHits: number;
  retries: number;
}

type Attempt =
  | { ok: true; vectors: Float32Array[] }
  | { ok: false; retry: boolean; reason: string; status?: number; waitMs?: number };

/**
 * Client of any OpenAI-compatible `POST /v1/embeddings` endpoint: texts are looked up in the
 * per-text content-hash cache, the misses are sent in batches of `batchSize`, 429/5xx/network
 * errors and malformed replies are retried with exponential back-off (Retry-After honoured), and
 * every vector is checked (count, index, finite values, one consistent dimension equal to `dim`
 * when set). Unreachable endpoints and exhausted retries raise Unavailable naming the URL.
 */
export class OpenAiEmbedder implements TextEmbedder {
  readonly stats: EmbedderStats = { requests: 0, cacheHits: 0, retries: 0 };
  private readonly cache?: EmbeddingCache;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private seenDim: number | undefined;

  constructor(
    readonly config: OpenAiEmbedderConfig,
    deps: OpenAiEmbedderDeps = {},
  ) {
    if (config.cacheDir) this.cache = new EmbeddingCache(config.cacheDir);
    this.fetchFn = deps.fetch ?? fetch;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.seenDim = config.dim;
  }

  /** The configured dimension, else the one of the first vector seen. */
  get dim(): number | undefined {
    return this.seenDim;
  }

  private checkDim(len: number, where: string): void {
    if (this.seenDim === undefined) this.seenDim = len;
    else if (len !== this.seenDim) {
      const expected =
        this.config.dim !== undefined
          ? `--embed-dim ${this.config.dim}`
          : `${this.seenDim} (the first vector's)`;
      throw new BadInput(
        `${this.config.baseUrl}/embeddings (model ${this.config.model}): ${where} has dimension ${len}, expected ${expected}`,
        "embedDim",
      );
    }
  }

  /** Embeddings of `texts` (cache first, then batched requests), texts x dim. */
  async embed(texts: readonly string[]): Promise<Matrix> {
    const c = this.config;
    const sendDim = c.sendDimensions ? c.dim : undefined;
    const keys = texts.map((t) => embeddingKey(c.model, sendDim, t));
    const vectors: (Float32Array | undefined)[] = keys.map((k) => this.cache?.get(k));
    const missing: number[] = [];
    vectors.forEach((v, i) => {
      if (v) {
        this.stats.cacheHits++;
        this.checkDim(v.length, `cached vector of text ${i}`);
      } else missing.push(i);
    });
    // Identical texts are requested once.
    const firstOf = new Map<string, number>();
    const unique = missing.filter((i) => {
      if (firstOf.has(keys[i])) return false;
      firstOf.set(keys[i], i);
      return true;
    });
    for (let b = 0; b < unique.length; b += c.batchSize) {
      const batch = unique.slice(b, b + c.batchSize);
      const got = await this.request(batch.map((i) => texts[i]));
      batch.forEach((i, p) => {
        this.checkDim(got[p].length, `reply vector of text ${i}`);
        vectors[i] = got[p];
        this.cache?.set(keys[i], got[p]);
      });
    }
    for (const i of missing) vectors[i] ??= vectors[firstOf.get(keys[i]) as number];
    const dim = this.seenDim ?? 0;
    const out = new Matrix(texts.length, dim);
    vectors.forEach((v, i) => out.data.set(v as Float32Array, i * dim));
    return out;
  }

  private async request(input: string[]): Promise<Float32Array[]> {
    const c = this.config;
    const url = `${c.baseUrl}/embeddings`;
    const body = JSON.stringify({
      model: c.model,
      input,
      encoding_format: "float",
      ...(c.sendDimensions && c.dim !== undefined ? { dimensions: c.dim } : {}),
    });
    let last = "";
    for (let attempt = 0; attempt <= c.maxRetries; attempt++) {
      if (attempt > 0) this.stats.retries++;
      const r = await this.attempt(url, body, input.length);
      if (r.ok) return r.vectors;
      if (!r.retry)
        throw new BadInput(`embeddings request to ${url} (model ${c.model}) failed: ${r.reason}`, "embedUrl");
      last = r.reason;
      if (attempt < c.maxRetries) {
        const backoff = Math.min(c.backoffMaxMs, c.backoffBaseMs * 2 ** attempt);
        await this.sleep(Math.min(c.backoffMaxMs, r.waitMs ?? backoff));
      }
    }
    throw new Unavailable(
      `embeddings endpoint ${url} (model ${c.model}) failed after ${c.maxRetries + 1} attempts; last error: ${last}`,
      "embedUrl",
    );
  }

  private async attempt(url: string, body: string, count: number): Promise<Attempt> {
    this.stats.requests++;
    const reply = await postJson(this.fetchFn, url, body, {
      apiKey: this.config.apiKey,
      timeoutMs: this.config.timeoutMs,
      networkError: "endpoint unreachable",
    });
    if (!reply.ok) return reply;
    const text = reply.text;
    let data: unknown;
    try {
      data = (JSON.parse(text) as { data?: unknown }).data;
    } catch {
      return {
        ok: false,
        retry: true,
        reason: `response body is not JSON: ${JSON.stringify(text.slice(0, 120))}`,
      };
    }
    if (!Array.isArray(data) || data.length !== count)
      return {
        ok: false,
        retry: true,
        reason: `expected "data" with ${count} embeddings, got ${Array.isArray(data) ? data.length : typeof data}`,
      };
    const out: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(count);
    for (let p = 0; p < data.length; p++) {
      const d = data[p] as { index?: unknown; embedding?: unknown };
      const index = typeof d?.index === "number" ? d.index : p;
      const e = d?.embedding;
      if (!Number.isInteger(index) || index < 0 || index >= count || out[index])
        return {
          ok: false,
          retry: true,
          reason: `data[${p}].index ${String(index)} is not a new index in [0, ${count})`,
        };
      if (!Array.isArray(e) || e.length === 0 || e.some((x) => typeof x !== "number" || !Number.isFinite(x)))
        return {
          ok: false,
          retry: true,
          reason: `data[${p}].embedding is not a non-empty array of finite numbers`,
        };
      out[index] = Float32Array.from(e as number[]);
    }
    return { ok: true, vectors: out as Float32Array[] };
  }

  /** Provider, URL, model and dimension (the API key is never recorded). */
  info(): EmbedderInfo {
    return {
      provider: "openai",
      baseUrl: this.config.baseUrl,
      model: this.config.model,
      dim: this.seenDim,
      batchSize: this.config.batchSize,
      ...(this.config.sendDimensions ? { sendDimensions: true } : {}),
    };
  }
}
