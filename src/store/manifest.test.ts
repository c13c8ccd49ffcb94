import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import {
  createManifest,
  dataFingerprint,
  readManifest,
  runLayout,
  writeManifest,
  type ManifestInput,
} from "./manifest.js";

const dir = mkdtempSync(join(tmpdir(), "reclens-manifest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const x = Csr.fromTriplets(2, 3, [0, 0, 1], [0, 2, 1]);

function input(): ManifestInput {
  return {
    kind: "model",
    seed: 42,
    config: { model: "elsa", dim: 64, lr: 0.1 },
    data: { name: "toy", source: "test", hash: dataFingerprint(x), users: 2, items: 3, interactions: 3 },
    metrics: { "test/recall@20": 0.5, "test/recall@20/se": 0.02 },
  };
}

describe("run manifest", () => {
  it("round-trips through manifest.json with versions and creation time filled in", () => {
    const m = createManifest(input());
    expect(m.format).toBe("reclens-run");
    expect(m.versions.node).toBe(process.version);
    expect(Date.parse(m.createdAt)).toBeGreaterThan(Date.parse("2024-01-01"));
    const root = join(dir, "run1");
    const path = writeManifest(root, m);
    expect(path).toBe(runLayout(root).manifest);
    expect(readManifest(root)).toEqual(m);
  });

  it("fingerprints the interaction matrix with sha256 over shape, indptr, indices and values", () => {
    const h = createHash("sha256");
    h.update("csr:2x3:3;");
    h.update(Buffer.from(new Int32Array([0, 2, 3]).buffer));
    h.update(Buffer.from(new Int32Array([0, 2, 1]).buffer));
    h.update(Buffer.from(new Float32Array([1, 1, 1]).buffer));
    expect(dataFingerprint(x)).toBe(h.digest("hex"));
    const y = Csr.fromTriplets(2, 3, [0, 0, 1], [0, 2, 2]);
    expect(dataFingerprint(y)).not.toBe(dataFingerprint(x));
  });

  it("rejects bad manifests naming the file, field and value", () => {
    const root = join(dir, "bad");
    writeManifest(root, createManifest(input()));
    const path = runLayout(root).manifest;
    const raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...raw, seed: 1.5, metrics: { r: "high" }, extra: true }));
    let msg = "";
    try {
      readManifest(root);
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toContain(path);
    expect(msg).toContain("seed: Invalid input: expected int, received number (got 1.5)");
    expect(msg).toContain('metrics.r: Invalid input: expected number, received string (got "high")');
    expect(msg).toContain('unknown field(s) "extra"');
    writeFileSync(path, "{not json");
    expect(() => readManifest(root)).toThrow(`${path}: not valid JSON`);
    expect(() => readManifest(join(dir, "missing"))).toThrow("cannot read run manifest (ENOENT)");
    expect(() => createManifest({ ...input(), data: { ...input().data, hash: "abc" } })).toThrow(
      "data.hash: expected a 64-digit hex sha256",
    );
  });
});
