import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureDir, latin1 } from "../test-utils/fixtures.js";
import { lastfmLoader } from "./lastfm.js";

describe("HetRec Last.FM loader", () => {
  const files = {
    "user_artists.dat": "userID\tartistID\tweight\n2\t51\t13883\n2\t52\t11690\n3\t51\t0\n",
    "artists.dat":
      "id\tname\turl\tpictureURL\n51\tDuran Duran\thttp://a\thttp://p\n52\tMorcheeba\thttp://b\t\n",
    "tags.dat": Buffer.concat([
      Buffer.from("tagID\ttagValue\n1\tmetal\n2\tnew wave\n"),
      latin1("3\trock français\n"),
    ]),
    "user_taggedartists.dat":
      "userID\tartistID\ttagID\tday\tmonth\tyear\n2\t51\t2\t1\t4\t2009\n3\t51\t2\t1\t4\t2009\n3\t51\t3\t1\t4\t2009\n2\t52\t1\t1\t4\t2009\n",
  };

  it("reads play counts, artist names and per-artist tag counts (latin-1 tag names decoded)", async () => {
    const r = await lastfmLoader.load(fixtureDir(files), {});
    const x = r.interactions;
    expect(x.valueKind).toBe("count");
    expect(x.time).toBeNull();
    expect(Array.from(x.user, (u, t) => [x.userIds[u], x.itemIds[x.item[t]], x.value[t]])).toEqual([
      ["2", "51", 13883],
      ["2", "52", 11690],
      ["3", "51", 0],
    ]);
    expect(r.items.byId.get("51")?.title).toBe("Duran Duran");
    expect([...(r.items.byId.get("51")?.tags ?? [])]).toEqual([
      ["new wave", 2],
      ["rock français", 1],
    ]);
    expect([...(r.items.byId.get("52")?.tags ?? [])]).toEqual([["metal", 1]]);
  });

  it("rejects a tag id that tags.dat does not list", async () => {
    const dir = fixtureDir({
      ...files,
      "user_taggedartists.dat": "userID\tartistID\ttagID\tday\tmonth\tyear\n2\t51\t99\t1\t4\t2009\n",
    });
    await expect(lastfmLoader.load(dir, {})).rejects.toThrow(
      `${join(dir, "user_taggedartists.dat")} line 2, field "tagID": tag id not listed in tags.dat, got "99"`,
    );
  });
});
