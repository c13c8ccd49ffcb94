import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BadInput, Unavailable } from "../errors.js";
import { OpenAiEmbedder, resolveOpenAiEmbedderConfig } from "./openai.js";
import { type EmbedStub, startEmbedStub, vectorOf } from "./test-stub.js";

const TEXTS = ["red nail polish", "argan hair oil", "face cream", "lip balm", "eye shadow"];
const noSleep = { sleep: () => Promise.resolve() };
let stub: EmbedStub | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await stub?.close();
  stub = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "reclens-embed-"));
  dirs.push(d);
  return d;
}

describe("OpenAiEmbedder", () => {
  it("batches texts and returns one row per text in order", async () => {
    stub = await startEmbedStub();
    const e = new OpenAiEmbedder(
      resolveOpenAiEmbedderConfig({ baseUrl: stub.url, model: "m", batchSize: 2 }, {}),
      noSleep,
    );
    const m = await e.embed(TEXTS);
    expect(stub.requests.map((r) => r.length)).toEqual([2, 2, 1]);
    expect(m.rows).toBe(5);
    expect(m.cols).toBe(3);
    expect(Array.from(m.row(1))).toEqual(vectorOf("argan hair oil")); // 14 chars, vowels a a a i o i
    expect(Array.from(m.row(1))).toEqual([14, 6, 1]);
    expect(e.dim).toBe(3);
  });

  it("caches per text on disk: a second run makes 0 requests, new texts only are sent", async () => {
    stub = await startEmbedStub();
    const cacheDir = tmp();
    const cfg = resolveOpenAiEmbedderConfig({ baseUrl: stub.url, model: "m", batchSize: 10, cacheDir }, {});
    const first = await new OpenAiEmbedder(cfg, noSleep).embed(TEXTS);
    expect(stub.requests.length).toBe(1);
    const again = new OpenAiEmbedder(cfg, noSleep);
    const second = await again.embed(TEXTS);
    expect(stub.requests.length).toBe(1);
    expect(again.stats).toEqual({ requests: 0, cacheHits: 5, retries: 0 });
    expect(Array.from(second.data)).toEqual(Array.from(first.data));
    await new OpenAiEmbedder(cfg, noSleep).embed([...TEXTS, "new text", "new text"]);
    expect(stub.requests[1]).toEqual(["new text"]); // duplicates requested once
  });

  it("retries 429 and 5xx with exponential back-off (Retry-After honoured), then succeeds", async () => {
    stub = await startEmbedStub((_, i) =>
      i === 0
        ? { status: 429, raw: "slow down" }
        : i === 1
          ? { status: 503, headers: { "retry-after": "2" }, raw: "busy" }
          : {},
    );
    const waits: number[] = [];
    const e = new OpenAiEmbedder(
      resolveOpenAiEmbedderConfig({ baseUrl: stub.url, model: "m", backoffBaseMs: 100 }, {}),
      { sleep: (ms) => (waits.push(ms), Promise.resolve()) },
    );
    const m = await e.embed(["a b"]);
    expect(Array.from(m.row(0))).toEqual([3, 1, 1]);
    expect(waits).toEqual([100, 2000]); // 100 * 2^0, then Retry-After 2 s
    expect(e.stats.retries).toBe(2);
    expect(e.stats.requests).toBe(3);
  });

  it("fails with Unavailable naming the URL after the retries, BadInput at once on 4xx", async () => {
    stub = await startEmbedStub(() => ({ status: 500, raw: "boom" }));
    const e = new OpenAiEmbedder(
      resolveOpenAiEmbedderConfig({ baseUrl: stub.url, model: "m", maxRetries: 2 }, {}),
      noSleep,
    );
    await expect(e.embed(["x"])).rejects.toThrow(/failed after 3 attempts; last error: HTTP 500: boom/);
    await expect(e.embed(["x"])).rejects.toBeInstanceOf(Unavailable);
    await stub.close();
    stub = await startEmbedStub(() => ({ status: 401, raw: "bad key" }));
    const u = new OpenAiEmbedder(resolveOpenAiEmbedderConfig({ baseUrl: stub.url, model: "m" }, {}), noSleep);
    await expect(u.embed(["x"])).rejects.toThrow(/HTTP 401: bad key/);
    expect(u.stats.requests).toBe(1);
  });

  it("reports an unreachable endpoint clearly", async () => {
    stub = await startEmbedStub();
    const url = stub.url;
    await stub.close();
    stub = undefined;
    const e = new OpenAiEmbedder(
      resolveOpenAiEmbedderConfig({ baseUrl: url, model: "m", maxRetries: 1 }, {}),
      noSleep,
    );
    const err = await e.embed(["x"]).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(Unavailable);
    expect((err as Error).message).toMatch(
      new RegExp(`${url}/embeddings .*endpoint unreachable.*ECONNREFUSED`),
    );
  });

  it("rejects a wrong dimension and inconsistent dimensions", async () => {
    stub = await startEmbedStub();
    const wrong = new OpenAiEmbedder(
      resolveOpenAiEmbedderConfig({ baseUrl: stub.url, model: "m", dim: 4 }, {}),
      noSleep,
    );
    await expect(wrong.embed(["x"])).rejects.toThrow(/dimension 3, expected --embed-dim 4/);
    await expect(wrong.embed(["x"])).rejects.toBeInstanceOf(BadInput);
    await stub.close();
    stub = await startEmbedStub((inputs) => ({
      vectors: inputs.map((_, p) => (p === 0 ? [1, 2, 3] : [1, 2])),
    }));
    const mixed = new OpenAiEmbedder(
      resolveOpenAiEmbedderConfig({ baseUrl: stub.url, model: "m" }, {}),
      noSleep,
    );
    await expect(mixed.embed(["a", "b"])).rejects.toThrow(/text 1 has dimension 2, expected 3/);
  });

  it("retries a malformed reply (wrong count) and takes the config from the environment", async () => {
    stub = await startEmbedStub((inputs, i) =>
      i === 0 ? { vectors: [[1, 1, 1]] } : { vectors: inputs.map(vectorOf) },
    );
    const cfg = resolveOpenAiEmbedderConfig(
      {},
      { RECLENS_EMBED_BASE_URL: `${stub.url}/`, RECLENS_EMBED_MODEL: "env-model" },
    );
    expect(cfg.baseUrl).toBe(stub.url);
    const e = new OpenAiEmbedder(cfg, noSleep);
    const m = await e.embed(["ab", "abc"]);
    expect(Array.from(m.data)).toEqual([2, 1, 1, 3, 1, 1]);
    expect(e.stats.retries).toBe(1);
    expect(() => resolveOpenAiEmbedderConfig({}, {})).toThrow(/--embed-url/);
    expect(() => resolveOpenAiEmbedderConfig({ baseUrl: "http://x/v1" }, {})).toThrow(/--embed-model/);
  });
});
