import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** A request the stub received: the parsed JSON body and the headers. */
export interface StubRequest {
  body: { model: string; messages: { role: string; content: string }[]; [k: string]: unknown };
  headers: IncomingHttpHeaders;
}

/** What the stub answers: `content` becomes choices[0].message.content; `raw` replaces the whole body. */
export interface StubReply {
  status?: number;
  content?: string;
  raw?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** A running stub of an OpenAI-compatible chat endpoint on 127.0.0.1 (random port). */
export interface Stub {
  /** Base URL including /v1. */
  url: string;
  requests: StubRequest[];
  /** Most requests that were being handled at the same time. */
  maxInFlight(): number;
  close(): Promise<void>;
}

/** Starts a stub whose replies come from `handler(request, index)`; only POST /v1/chat/completions exists. Test helper. */
export async function startStub(handler: (req: StubRequest, index: number) => StubReply): Promise<Stub> {
  const requests: StubRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        res.writeHead(404).end("not found");
        return;
      }
      inFlight++;
      peak = Math.max(peak, inFlight);
      const parsed = {
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as StubRequest["body"],
        headers: req.headers,
      };
      requests.push(parsed);
      const reply = handler(parsed, requests.length - 1);
      const send = (): void => {
        inFlight--;
        const body =
          reply.raw ??
          JSON.stringify({
            id: "stub",
            object: "chat.completion",
            choices: [
              {
                index: 0,
                message: { role: "assistant", content: reply.content ?? "" },
                finish_reason: "stop",
              },
            ],
          });
        res
          .writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers })
          .end(body);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    maxInFlight: () => peak,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
