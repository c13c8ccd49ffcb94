import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fixtureDir, latin1, makeZip } from "../data/test-utils/fixtures.js";
import { registerData } from "./data.js";

async function run(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  try {
    const program = new Command("reclens").exitOverride();
    registerData(program);
    await program.parseAsync(["node", "reclens", ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

afterEach(() => {
  process.exitCode = undefined;
});

describe("reclens data", () => {
  it("info on an ml-1m folder without ratings.dat says so, reports metadata coverage and exits 1", async () => {
    const dir = fixtureDir({
      "movies.dat": latin1("1::Toy Story (1995)::Animation|Comedy\n2::Heat::(no genres listed)\n"),
      "users.dat": "1::F::1::10::48067\n",
    });
    const out = await run("data", "info", dir);
    expect(out[0]).toBe(
      `error       ml-1m at ${dir}: ratings.dat is missing (found: movies.dat, users.dat); interactions cannot be loaded`,
    );
    expect(out[1]).toBe("metadata    2 items described in the item files");
    expect(out[2]).toBe("coverage    titles 100.0%, genres 50.0%, tags 0.0%, years 50.0%");
    expect(process.exitCode).toBe(1);
  });

  it("import processes, caches and prints the stages; info then reuses the cache", async () => {
    const dir = fixtureDir({
      "u.data": "1\t10\t5\t881250949\n1\t20\t4\t881250950\n2\t10\t3\t881250951\n3\t30\t5\t881250952\n",
    });
    const cacheDir = fixtureDir({});
    const out = await run("data", "import", "ml-100k", dir, "--cache-dir", cacheDir, "--threshold", "5");
    expect(out[1]).toBe(
      "raw                 3 users         3 items            4 interactions  density 44.444%",
    );
    expect(out[2]).toBe(
      "binarised           2 users         2 items            2 interactions  density 50.000%",
    );
    expect(out.at(-1)).toMatch(/^cache {7}written .*\.rlds/);
    const json = JSON.parse(
      (await run("data", "info", dir, "--cache-dir", cacheDir, "--threshold", "5", "--json")).join("\n"),
    );
    expect(json.cacheHit).toBe(true);
    expect(json.summary).toMatchObject({ users: 2, items: 2, interactions: 2, density: 0.5 });
  });

  it("import csv honours column options", async () => {
    const dir = fixtureDir({ "log.txt": "x|alice|song1\nx|bob|song1\nx|bob|song2\n" });
    const out = await run(
      "data",
      "import",
      "csv",
      join(dir, "log.txt"),
      "--no-cache",
      "--delimiter",
      "|",
      "--no-header",
      "--user-col",
      "1",
      "--item-col",
      "2",
      "--no-rating",
    );
    expect(out[1]).toBe(
      "raw                 2 users         2 items            3 interactions  density 75.000%",
    );
    expect(out[4]).toBe("values      implicit");
  });

  it("fetch downloads from an overridden base URL and checks the given hash", async () => {
    const zip = makeZip({ "hetrec/user_artists.dat": "userID\tartistID\tweight\n2\t51\t1\n" });
    const server = createServer((_req, res) => res.end(zip));
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const dataDir = fixtureDir({});
      const sha = createHash("sha256").update(zip).digest("hex");
      const out = await run(
        "data",
        "fetch",
        "lastfm-2k",
        "--data-dir",
        dataDir,
        "--base-url",
        base,
        "--sha256",
        sha,
      );
      expect(out.at(-1)).toBe(`extracted 1 files to ${join(dataDir, "lastfm-2k")}`);
      expect(readFileSync(join(dataDir, "lastfm-2k", "user_artists.dat"), "utf8")).toContain("2\t51\t1");
    } finally {
      await new Promise<void>((ok) => server.close(() => ok()));
    }
  });
});
