import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveUrl, ChecksumMismatchError, extractZip, fetchArchive, fetchDataset } from "./fetch.js";
import { fixtureDir, makeZip } from "./test-utils/fixtures.js";

const zip = makeZip({
  "ml-tiny/": "",
  "ml-tiny/u.data": "1\t10\t5\t881250949\n",
  "ml-tiny/sub/README": "hello",
});
const sha256 = createHash("sha256").update(zip).digest("hex");
const md5 = createHash("md5").update(zip).digest("hex");

let server: Server;
let baseUrl = "";
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url === "/movielens/ml-tiny.zip" || req.url === "/hetrec2011/hetrec2011-lastfm-2k.zip") {
      res.writeHead(200, { "content-length": zip.length, "content-type": "application/zip" });
      res.end(zip);
    } else {
      res.writeHead(404);
      res.end("not found");
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const spec = { path: "movielens/ml-tiny.zip", sha256 };

describe("fetchArchive", () => {
  it("downloads, verifies SHA-256 and MD5, extracts without the top folder, leaves no temporary files", async () => {
    const dataDir = fixtureDir({});
    const seen: [number, number | null][] = [];
    const r = await fetchArchive(
      "ml-tiny",
      { ...spec, md5 },
      { dataDir, baseUrl, onProgress: (a, b) => seen.push([a, b]) },
    );
    expect(r).toEqual({
      dir: join(dataDir, "ml-tiny"),
      url: `${baseUrl}/movielens/ml-tiny.zip`,
      bytes: zip.length,
      sha256,
      verified: true,
      files: 2,
    });
    expect(readFileSync(join(dataDir, "ml-tiny", "u.data"), "utf8")).toBe("1\t10\t5\t881250949\n");
    expect(readFileSync(join(dataDir, "ml-tiny", "sub", "README"), "utf8")).toBe("hello");
    expect(readdirSync(dataDir)).toEqual(["ml-tiny"]);
    expect(seen[seen.length - 1]).toEqual([zip.length, zip.length]);
  });

  it("on a SHA-256 or MD5 mismatch throws and leaves nothing behind", async () => {
    const dataDir = fixtureDir({});
    const wrong = "0".repeat(64);
    const err = await fetchArchive("ml-tiny", { ...spec, sha256: wrong }, { dataDir, baseUrl }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toBe(
      `sha256 mismatch for ${baseUrl}/movielens/ml-tiny.zip: expected ${wrong}, got ${sha256}; the download was deleted`,
    );
    await expect(
      fetchArchive("ml-tiny", { ...spec, md5: "f".repeat(32) }, { dataDir, baseUrl }),
    ).rejects.toThrow(/md5 mismatch/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("registered datasets honour the base URL override; the pinned hash rejects a substitute archive", async () => {
    const dataDir = fixtureDir({});
    await expect(fetchDataset("lastfm-2k", { dataDir, baseUrl })).rejects.toThrow(
      `sha256 mismatch for ${baseUrl}/hetrec2011/hetrec2011-lastfm-2k.zip: expected 6738f48195667ff03caaab4d32ca9a3133d8cc026b7c3cdaf6ce1010e913c59c`,
    );
    expect(readdirSync(dataDir)).toEqual([]);
    await expect(fetchDataset("ml-7b", { dataDir, baseUrl })).rejects.toThrow(/unknown dataset "ml-7b"/);
  });

  it("refuses an archive without a pinned hash unless verification is off", async () => {
    const dataDir = fixtureDir({});
    const before = requests;
    await expect(
      fetchArchive("ml-tiny", { path: spec.path, sha256: null }, { dataDir, baseUrl }),
    ).rejects.toThrow(
      "no pinned SHA-256 for ml-tiny, so the download cannot be verified: pass --sha256 <hex> or --no-verify",
    );
    expect(requests).toBe(before);
    const r = await fetchArchive(
      "ml-tiny",
      { path: spec.path, sha256: null },
      { dataDir, baseUrl, verify: false },
    );
    expect(r.verified).toBe(false);
    expect(existsSync(join(r.dir, "u.data"))).toBe(true);
  });

  it("does not overwrite an existing copy unless forced", async () => {
    const dataDir = fixtureDir({ "ml-tiny/old.txt": "old" });
    await expect(fetchArchive("ml-tiny", spec, { dataDir, baseUrl })).rejects.toThrow(
      /ml-tiny already exists \(use --force/,
    );
    await fetchArchive("ml-tiny", spec, { dataDir, baseUrl, force: true });
    expect(readdirSync(join(dataDir, "ml-tiny")).sort()).toEqual(["sub", "u.data"]);
    expect(readdirSync(dataDir)).toEqual(["ml-tiny"]);
  });

  it("reports HTTP errors and refuses plain HTTP to other hosts", async () => {
    const dataDir = fixtureDir({});
    await expect(fetchArchive("x", { path: "nope.zip", sha256 }, { dataDir, baseUrl })).rejects.toThrow(
      `download failed: HTTP 404 Not Found for ${baseUrl}/nope.zip`,
    );
    expect(readdirSync(dataDir)).toEqual([]);
    expect(() => archiveUrl("http://files.grouplens.org/datasets", "a.zip")).toThrow(
      /refusing to download over http from files\.grouplens\.org/,
    );
    expect(archiveUrl("https://files.grouplens.org/datasets/", "movielens/ml-1m.zip")).toBe(
      "https://files.grouplens.org/datasets/movielens/ml-1m.zip",
    );
  });
});

describe("extractZip", () => {
  it("keeps folder structure when entries do not share one top folder, and rejects escaping paths", async () => {
    const dir = fixtureDir({
      "flat.zip": makeZip({ "a.dat": "A", "b/c.dat": "C" }),
      "evil.zip": makeZip({ "../evil.txt": "x" }),
    });
    const out = join(dir, "out");
    expect(await extractZip(join(dir, "flat.zip"), out)).toBe(2);
    expect(readFileSync(join(out, "b", "c.dat"), "utf8")).toBe("C");
    await expect(extractZip(join(dir, "evil.zip"), join(dir, "out2"))).rejects.toThrow(
      /invalid relative path|outside/,
    );
    expect(existsSync(join(dir, "evil.txt"))).toBe(false);
  });
});
