import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { createServer } from "./api.js";
import { PANEL_CSP, readStaticFiles } from "./static-files.js";
import { serveFixture, type ServeFixture } from "./test-utils/fixture.js";
import { evenSample, userBatches } from "./user-batches.js";
import { steeringParams } from "./web/src/api.js";
import { fixtureDir } from "../data/test-utils/fixtures.js";

let fx: ServeFixture;
beforeAll(async () => {
  fx = await serveFixture();
});

function panelDir(): string {
  const root = fixtureDir({}, "reclens-web-");
  mkdirSync(join(root, "assets"));
  writeFileSync(join(root, "index.html"), "<!doctype html><title>panel</title>");
  writeFileSync(join(root, "assets", "app-1.js"), "console.log(1)");
  writeFileSync(join(root, "assets", "app-1.css"), "body{}");
  return root;
}

describe("static panel", () => {
  it("serves the built files from memory with a same-origin CSP, and nothing else", async () => {
    const root = panelDir();
    expect([...readStaticFiles(root).keys()].sort()).toEqual([
      "/assets/app-1.css",
      "/assets/app-1.js",
      "/index.html",
    ]);
    const app = createServer(fx.ws, { webRoot: root });
    const index = await app.inject({ url: "/" });
    expect(index.statusCode).toBe(200);
    expect(index.body).toBe("<!doctype html><title>panel</title>");
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.headers["content-security-policy"]).toBe(PANEL_CSP);
    const js = await app.inject({ url: "/assets/app-1.js" });
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toContain("immutable");
    for (const url of [
      "/assets/../../package.json",
      "/assets/missing.js",
      "/%2e%2e/package.json",
      "/etc/passwd",
    ]) {
      const r = await app.inject({ url });
      expect(r.statusCode).toBe(404);
    }
    expect((await app.inject({ url: "/api/health" })).json()).toEqual({ status: "ok" });
    await app.close();
  });

  it("refuses other Host headers when bound to loopback (DNS rebinding)", async () => {
    const app = createServer(fx.ws, { webRoot: null });
    for (const host of ["127.0.0.1:7878", "localhost", "LOCALHOST:1", "[::1]:7878"])
      expect((await app.inject({ url: "/api/health", headers: { host } })).statusCode).toBe(200);
    for (const host of [
      "evil.example:7878",
      "127.0.0.1.evil.example",
      "[::2]:80",
      "localhost.evil.example:80",
    ]) {
      const r = await app.inject({ url: "/api/health", headers: { host } });
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ statusCode: 403, field: "host" });
    }
    await app.close();
    const open = createServer(fx.ws, { webRoot: null, host: "0.0.0.0" });
    expect((await open.inject({ url: "/api/health", headers: { host: "evil.example" } })).statusCode).toBe(
      200,
    );
    await open.close();
  });

  it("tells how to build the panel when it is absent", async () => {
    const app = createServer(fx.ws, { webRoot: null });
    const r = await app.inject({ url: "/" });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain("npm run build:web");
    await app.close();
  });
});

describe("user batches", () => {
  it("samples evenly and keeps known and folded-in users in separate batches", () => {
    expect(Array.from(evenSample(10, 4))).toEqual([0, 2, 5, 7]);
    expect(Array.from(evenSample(3, 5))).toEqual([0, 1, 2]);
    const rows = Csr.fromTriplets(5, 3, [0, 1, 2, 3, 4], [0, 1, 2, 0, 1]);
    const users = { ids: ["a", "b", "c", "d", "e"], rows, modelUserIds: Int32Array.from([4, -1, 0, -1, 2]) };
    const batches = userBatches(users, [0, 1, 2, 3, 4], 2);
    expect(batches.map((b) => Array.from(b.users))).toEqual([[0, 2], [4], [1, 3]]);
    expect(batches.map((b) => (b.batch.userIds ? Array.from(b.batch.userIds) : null))).toEqual([
      [4, 0],
      [2],
      null,
    ]);
    expect(Array.from(batches[2].batch.rows.indices)).toEqual([1, 0]);
  });
});

describe("panel knob encoding", () => {
  it("scales boosts to sum to at most 1 and maps negative knobs to suppression factors", () => {
    expect(steeringParams([])).toEqual({});
    expect(
      steeringParams([
        { neuron: 3, value: 0.4 },
        { neuron: 5, value: -0.25 },
      ]),
    ).toEqual({ boost: "3:0.4", suppress: "5:0.7500" });
    const p = steeringParams([
      { neuron: 1, value: 0.9 },
      { neuron: 2, value: 0.6 },
    ]);
    // 0.9 and 0.6 scaled by 1/1.5, rounded down to 4 decimals so that the sum never exceeds 1.
    expect(p.boost).toBe("1:0.6,2:0.3999");
    expect(steeringParams([{ neuron: 4, value: -1 }])).toEqual({ suppress: "4:0.0000" });
  });
});
