import { readdirSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readDatasetCache } from "./cache.js";
import { loadDatasetWithReport } from "./load.js";
import { fixtureDir, latin1 } from "./test-utils/fixtures.js";

function ml100k(): string {
  return fixtureDir({
    "u.data": "1\t10\t5\t881250949\n1\t20\t4\t881250950\n2\t10\t4\t881250951\n3\t30\t1\t881250952\n",
    "u.item": latin1(
      "10|Misérables, Les (1995)|01-Jan-1995||u|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n20|Toy Story (1995)|01-Jan-1995||u|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n",
    ),
  });
}

describe("processed-dataset cache", () => {
  it("round-trips: the reloaded dataset and report equal the parsed ones", async () => {
    const dir = ml100k();
    const cacheDir = fixtureDir({});
    const first = await loadDatasetWithReport(dir, { cacheDir });
    expect(first.cacheHit).toBe(false);
    expect(first.dataset.users).toEqual(["1", "2"]);
    expect(first.dataset.items).toEqual(["10", "20"]);
    const second = await loadDatasetWithReport(dir, { cacheDir });
    expect(second.cacheHit).toBe(true);
    expect(second.cachePath).toBe(first.cachePath);
    expect(second.dataset).toEqual(first.dataset);
    expect(second.report).toEqual(first.report);
    expect(Array.from(second.dataset.timestamps ?? [])).toEqual([881250949, 881250950, 881250951]);
    expect(second.dataset.concepts.map((c) => c.kind)).toEqual(["genre", "decade", "popularity"]);
    expect(readdirSync(cacheDir).filter((f) => f.includes(".tmp-"))).toEqual([]);
    const direct = await loadDatasetWithReport(first.cachePath as string);
    expect(direct.format).toBe("cache");
    expect(direct.dataset).toEqual(first.dataset);
  });

  it("is invalidated by other options and by edited sources (same size, same mtime)", async () => {
    const dir = ml100k();
    const cacheDir = fixtureDir({});
    const base = await loadDatasetWithReport(dir, { cacheDir });
    const other = await loadDatasetWithReport(dir, { cacheDir, process: { ratingThreshold: 1 } });
    expect(other.cacheHit).toBe(false);
    expect(other.cachePath).not.toBe(base.cachePath);
    expect(other.dataset.users).toEqual(["1", "2", "3"]);

    const file = join(dir, "u.data");
    const { atime, mtime } = statSync(file);
    writeFileSync(
      file,
      "1\t10\t5\t881250949\n1\t20\t4\t881250950\n2\t10\t4\t881250951\n3\t30\t5\t881250952\n",
    );
    utimesSync(file, atime, mtime);
    const edited = await loadDatasetWithReport(dir, { cacheDir });
    expect(edited.cacheHit).toBe(false);
    expect(edited.dataset.users).toEqual(["1", "2", "3"]);
    expect(edited.dataset.items).toEqual(["10", "20", "30"]);
  });

  it("ignores damaged or foreign cache files and rebuilds", async () => {
    const dir = ml100k();
    const cacheDir = fixtureDir({});
    const a = await loadDatasetWithReport(dir, { cacheDir });
    const path = a.cachePath as string;
    expect(await readDatasetCache(path, "not-the-key")).toBeNull();
    truncateSync(path, statSync(path).size - 5);
    expect(await readDatasetCache(path)).toBeNull();
    const b = await loadDatasetWithReport(dir, { cacheDir });
    expect(b.cacheHit).toBe(false);
    expect(b.dataset).toEqual(a.dataset);
    expect((await loadDatasetWithReport(dir, { cacheDir })).cacheHit).toBe(true);
  });

  it("can be turned off", async () => {
    const cacheDir = fixtureDir({});
    const r = await loadDatasetWithReport(ml100k(), { cacheDir, cache: false });
    expect(r.cachePath).toBeNull();
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
