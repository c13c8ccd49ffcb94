import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDataset, resolveSource } from "./load.js";
import { fixtureDir } from "./test-utils/fixtures.js";

const lastfm = {
  "lastfm-2k/user_artists.dat": "userID\tartistID\tweight\n2\t51\t10\n2\t52\t3\n3\t52\t1\n",
  "lastfm-2k/artists.dat": "id\tname\turl\tpictureURL\n51\tDuran Duran\tu\tp\n52\tMorcheeba\tu\tp\n",
  "ml-100k-recbole/ml-100k.inter":
    "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t5\t4\t10\n",
  "stuff/readme.txt": "nothing here",
  "plays.tsv": "user\titem\tweight\nu\ti\t2\n",
};

describe("loadDataset / resolveSource", () => {
  const dataDir = fixtureDir(lastfm);

  it("finds registered names in the data folder and detects folder formats", async () => {
    expect(resolveSource("lastfm-2k", { dataDir }).loader.format).toBe("lastfm");
    expect(resolveSource(join(dataDir, "ml-100k-recbole"), { dataDir }).loader.format).toBe("recbole");
    expect(resolveSource(`recbole:${join(dataDir, "ml-100k-recbole")}`).loader.format).toBe("recbole");
    expect(resolveSource(join(dataDir, "plays.tsv")).loader.format).toBe("csv");
    const d = await loadDataset("lastfm-2k", { dataDir, cache: false });
    expect(d.name).toBe("lastfm-2k");
    expect(d.users).toEqual(["2", "3"]);
    expect(d.items).toEqual(["51", "52"]);
    expect(d.itemTitles).toEqual(["Duran Duran", "Morcheeba"]);
    expect(Array.from(d.matrix.indptr)).toEqual([0, 2, 3]);
    expect(Array.from(d.matrix.indices)).toEqual([0, 1, 1]);
  });

  it("explains what is wrong with a reference", () => {
    expect(() => resolveSource("ml-25m", { dataDir })).toThrow(
      `dataset ml-25m is not in ${dataDir}: run \`reclens data fetch ml-25m\` or pass --data-dir`,
    );
    expect(() => resolveSource("no-such-set", { dataDir })).toThrow(
      /no dataset "no-such-set": not a registered name \(ml-100k, ml-1m, /,
    );
    expect(() => resolveSource(join(dataDir, "stuff"))).toThrow(
      /cannot tell the data format of .*stuff \(files: readme\.txt\)/,
    );
    expect(() => resolveSource(join(dataDir, "lastfm-2k"), { format: "parquet" })).toThrow(
      /unknown data format "parquet"/,
    );
  });
});
