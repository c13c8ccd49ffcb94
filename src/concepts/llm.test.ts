import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type LlmConfig,
  LlmClient,
  LlmError,
  LlmNotConfiguredError,
  MalformedReplyError,
  parseJsonReply,
  resolveLlmConfig,
} from "./llm.js";
import { requestHash } from "./llm-cache.js";
import { labelMessages, llmLabel } from "./llm-label.js";
import { type Stub, startStub, type StubReply } from "./test-utils/llm-stub.js";

const stubs: Stub[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of stubs.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function stub(handler: (req: Stub["requests"][number], index: number) => StubReply): Promise<Stub> {
  const s = await startStub(handler);
  stubs.push(s);
  return s;
}

function config(url: string, extra: Partial<LlmConfig> = {}): LlmConfig {
  return resolveLlmConfig(
    { baseUrl: url, model: "stub-model", backoffBaseMs: 1, backoffMaxMs: 4, ...extra },
    {},
  );
}

const good = JSON.stringify({ label: "film noir", description: "Dark crime dramas." });
const top = [
  { title: "Night Street", metadata: "genre: Noir" },
  { title: "Shadow Pier", metadata: "genre: Noir, Heist" },
];
const contrast = [{ title: "Sunny Days", metadata: "genre: Rom-Com" }];

describe("config", () => {
  it("missing endpoint gives a clear error", () => {
    expect(() => resolveLlmConfig({}, {})).toThrow(LlmNotConfiguredError);
    expect(() => resolveLlmConfig({}, {})).toThrow(
      /missing RECLENS_LLM_BASE_URL and RECLENS_LLM_MODEL.*TF-IDF/s,
    );
    expect(() => resolveLlmConfig({}, { RECLENS_LLM_BASE_URL: "http://127.0.0.1:8080/v1" })).toThrow(
      /missing RECLENS_LLM_MODEL\)/,
    );
  });

  it("reads the environment, explicit settings win, defaults applied", () => {
    const env = {
      RECLENS_LLM_BASE_URL: "http://127.0.0.1:8080/v1/",
      RECLENS_LLM_MODEL: "qwen",
      RECLENS_LLM_API_KEY: "k",
    };
    const c = resolveLlmConfig({}, env);
    expect(c).toMatchObject({
      baseUrl: "http://127.0.0.1:8080/v1",
      model: "qwen",
      apiKey: "k",
      concurrency: 4,
      maxRetries: 4,
      temperature: 0,
    });
    expect(resolveLlmConfig({ model: "llama" }, env).model).toBe("llama");
    expect(() => resolveLlmConfig({ concurrency: 0 }, env)).toThrow(/concurrency: .*\(got 0\)/);
    expect(() => resolveLlmConfig({ baseUrl: "ftp://x" }, env)).toThrow(/baseUrl/);
  });
});

describe("strict reply parsing", () => {
  const schema = z.object({ label: z.string() }).strict();
  it("accepts one JSON object, optionally fenced", () => {
    expect(parseJsonReply('{"label": "x"}', schema)).toEqual({ label: "x" });
    expect(parseJsonReply('```json\n{"label": "x"}\n```', schema)).toEqual({ label: "x" });
  });
  it("rejects prose, extra fields and wrong types", () => {
    expect(() => parseJsonReply('Sure! {"label": "x"}', schema)).toThrow(MalformedReplyError);
    expect(() => parseJsonReply('{"label": "x", "extra": 1}', schema)).toThrow(/unknown field\(s\) "extra"/);
    expect(() => parseJsonReply('{"label": 3}', schema)).toThrow(/label: .*\(got 3\)/);
    expect(() => parseJsonReply('{"label": "x",}', schema)).toThrow(/not valid JSON/);
  });
});

describe("LLM client against a stub server", () => {
  it("happy path: POST /chat/completions with model, messages, key; label parsed", async () => {
    const s = await stub(() => ({ content: good }));
    const client = new LlmClient(config(s.url, { apiKey: "secret" }));
    expect(await llmLabel(client, top, contrast)).toEqual({
      label: "film noir",
      description: "Dark crime dramas.",
    });
    expect(s.requests).toHaveLength(1);
    const req = s.requests[0];
    expect(req.headers.authorization).toBe("Bearer secret");
    expect(req.body.model).toBe("stub-model");
    expect(req.body.response_format).toEqual({ type: "json_object" });
    expect(req.body.messages).toEqual(labelMessages(top, contrast));
    expect(req.body.messages[1].content).toContain("1. Night Street [genre: Noir]");
    expect(req.body.messages[1].content).toContain("does NOT fire");
  });

  it("malformed JSON then valid: retried", async () => {
    const s = await stub((_, i) => ({ content: i === 0 ? "The label is film noir." : good }));
    const client = new LlmClient(config(s.url));
    expect((await llmLabel(client, top, contrast)).label).toBe("film noir");
    expect(client.stats).toEqual({ requests: 2, cacheHits: 0, retries: 1 });
  });

  it("429 then 200: backs off exponentially (jittered, capped) and retries", async () => {
    const s = await stub((_, i) =>
      i < 3 ? { status: i === 0 ? 429 : 503, raw: '{"error":"busy"}' } : { content: good },
    );
    const sleeps: number[] = [];
    const client = new LlmClient(config(s.url, { backoffBaseMs: 100, backoffMaxMs: 250 }), {
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 1,
    });
    expect((await llmLabel(client, top, contrast)).label).toBe("film noir");
    // delays base * 2^r with jitter factor 0.5 + 0.5 * 1 = 1: 100, 200, then 400 capped to 250
    expect(sleeps).toEqual([100, 200, 250]);
    expect(s.requests).toHaveLength(4);
  });

  it("honours Retry-After (capped) with real tiny delays", async () => {
    const s = await stub((_, i) =>
      i === 0 ? { status: 429, headers: { "retry-after": "0" } } : { content: good },
    );
    const sleeps: number[] = [];
    const client = new LlmClient(config(s.url), { sleep: async (ms) => void sleeps.push(ms) });
    await llmLabel(client, top, contrast);
    expect(sleeps).toEqual([0]);
  });

  it("gives up with a clear error after the retries; 4xx fails at once", async () => {
    const s = await stub(() => ({ status: 500, raw: "boom" }));
    const client = new LlmClient(config(s.url, { maxRetries: 2 }));
    await expect(llmLabel(client, top, contrast)).rejects.toThrow(
      /failed after 3 attempts; last error: HTTP 500: boom/,
    );
    expect(s.requests).toHaveLength(3);
    const s401 = await stub(() => ({ status: 401, raw: "no key" }));
    const c401 = new LlmClient(config(s401.url));
    const err = await llmLabel(c401, top, contrast).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).status).toBe(401);
    expect((err as Error).message).toMatch(/HTTP 401: no key/);
    expect(s401.requests).toHaveLength(1);
  });

  it("malformed every time: error names the parse problem", async () => {
    const s = await stub(() => ({ content: '{"label": ""}' }));
    const client = new LlmClient(config(s.url, { maxRetries: 1 }));
    await expect(llmLabel(client, top, contrast)).rejects.toThrow(
      /after 2 attempts; last error: malformed reply: .*label/,
    );
  });

  it("cache hit means no second request, across client instances", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reclens-llm-cache-"));
    dirs.push(dir);
    const s = await stub(() => ({ content: good }));
    const a = new LlmClient(config(s.url, { cacheDir: dir }));
    await llmLabel(a, top, contrast);
    await llmLabel(a, top, contrast);
    expect(a.stats).toMatchObject({ requests: 1, cacheHits: 1 });
    const b = new LlmClient(config(s.url, { cacheDir: dir }));
    expect((await llmLabel(b, top, contrast)).label).toBe("film noir");
    expect(s.requests).toHaveLength(1);
    // a different prompt is a different key
    await llmLabel(b, top, []);
    expect(s.requests).toHaveLength(2);
  });

  it("malformed replies are not cached", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reclens-llm-cache-"));
    dirs.push(dir);
    const s = await stub((_, i) => ({ content: i === 0 ? "nope" : good }));
    const client = new LlmClient(config(s.url, { cacheDir: dir }));
    await llmLabel(client, top, contrast);
    await llmLabel(client, top, contrast);
    expect(s.requests).toHaveLength(2); // one malformed + one good, then a cache hit
  });

  it("respects the concurrency limit", async () => {
    const s = await stub(() => ({ content: good, delayMs: 25 }));
    const client = new LlmClient(config(s.url, { concurrency: 2 }));
    await Promise.all(Array.from({ length: 8 }, (_, i) => llmLabel(client, [{ title: `item ${i}` }], [])));
    expect(s.requests).toHaveLength(8);
    expect(s.maxInFlight()).toBe(2);
  });

  it("request hash ignores key order", () => {
    expect(requestHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(requestHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });
});
