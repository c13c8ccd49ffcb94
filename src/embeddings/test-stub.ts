import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** What the embeddings stub answers for one request (test helper). */
export interface EmbedStubReply {
  status?: number;
  /** Replaces the whole body. */
  raw?: string;
  headers?: Record<string, string>;
  /** Vector per input text (default: `vectorOf`). */
  vectors?: number[][];
}

/** A running stub of POST /v1/embeddings on 127.0.0.1 (random port). Test helper. */
export interface EmbedStub {
  url: string;
  /** Inputs of every request, in arrival order. */
  requests: string[][];
  close(): Promise<void>;
}

/** A deterministic 3-d vector of a text: [length, vowels, 1]. */
export function vectorOf(text: string): number[] {
  return [text.length, (text.match(/[aeiou]/g) ?? []).length, 1];
}

/** Starts the stub; `handler(inputs, index)` decides each reply (default: 200 with vectorOf each input). */
export async function startEmbedStub(
  handler: (inputs: string[], index: number) => EmbedStubReply = () => ({}),
): Promise<EmbedStub> {
  const requests: string[][] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/embeddings") {
        res.writeHead(404).end("not found");
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { input: string[] };
      requests.push(body.input);
      const r = handler(body.input, requests.length - 1);
      const vectors = r.vectors ?? body.input.map(vectorOf);
      const out =
        r.raw ??
        JSON.stringify({
          object: "list",
          data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
        });
      res.writeHead(r.status ?? 200, { "content-type": "application/json", ...r.headers }).end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
