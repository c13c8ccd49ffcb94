import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { plantedSaeRun } from "../cli/test-utils/reclens.js";
import { REPLICA_HEADER } from "./cluster.js";

const root = mkdtempSync(join(tmpdir(), "reclens-cluster-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

/** One request on a fresh connection (no keep-alive), so the cluster may hand it to either replica. */
function fresh(
  url: string,
  method = "GET",
  body?: unknown,
): Promise<{ status: number; replica: string; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        agent: false,
        headers: body === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (b: Buffer) => (text += b.toString()));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            replica: String(res.headers[REPLICA_HEADER]),
            json: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Requests `path` on fresh connections until both replicas have answered; their answers by replica. */
async function fromBoth(base: string, path: string): Promise<Map<string, Record<string, unknown>>> {
  const by = new Map<string, Record<string, unknown>>();
  for (let t = 0; t < 20 && by.size < 2; t++) {
    const r = await fresh(base + path);
    expect(r.status).toBe(200);
    by.set(r.replica, r.json);
  }
  return by;
}

describe("reclens serve --workers 2", () => {
  it("runs two replicas on one port that answer identically, share label edits and one ANN index", async () => {
    const planted = await plantedSaeRun(root);
    const run = planted.ctx.dir;
    const ann = join(root, "ann");
    const child = spawn(
      process.execPath,
      // prettier-ignore
      ["--import", "tsx", "src/cli/index.ts", "serve", "--run", run, "--port", "0", "--workers", "2", "--ann", ann],
      {
        cwd: process.cwd(),
        env: { ...process.env, RECLENS_THREADS: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.push(child);
    let out = "";
    let err = "";
    child.stderr?.on("data", (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const base = await new Promise<string>((resolve, reject) => {
      child.stdout?.on("data", (b: Buffer) => {
        out += b.toString();
        const m = /control panel: (http:\/\/127\.0\.0\.1:\d+)\/ .*2 replica processes/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`serve exited (code ${code}): ${err}`)));
    });

    // The missing ANN index is built once, by the primary; both replicas open that one.
    expect(out.match(/ANN index .*: built in/g)).toHaveLength(1);
    expect(out.match(/ANN index .*: opened in/g)).toHaveLength(2);
    expect(out.indexOf("built in")).toBeLessThan(out.indexOf("opened in"));

    const user = planted.ctx.dataset.users[3];
    const recs = await fromBoth(base, `/api/users/${user}/recommendations?n=10&boost=%231:0.4`);
    expect([...recs.keys()].sort()).toEqual(["1", "2"]);
    const [a, b] = [...recs.values()].map(({ elapsedMs: _t, ...rest }) => rest);
    expect((a.items as unknown[]).length).toBe(10);
    expect(b).toEqual(a);

    // A label written through one replica is what both replicas show afterwards.
    const put = await fresh(`${base}/api/neurons/0/label`, "PUT", { label: "planted knob" });
    expect(put.status).toBe(200);
    // The primary relays the new labels over IPC: wait (at most 5 s) until both replicas show them.
    let labels: unknown[] = [];
    for (let t = 0; t < 50; t++) {
      const detail = await fromBoth(base, "/api/neurons/0?k=3");
      expect([...detail.keys()].sort()).toEqual(["1", "2"]);
      labels = [...detail.values()].map((d) => d.label);
      if (labels.every((l) => l === "planted knob")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(labels).toEqual(["planted knob", "planted knob"]);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 180_000); // three processes start (primary + 2 replicas, each compiling through tsx)
});
