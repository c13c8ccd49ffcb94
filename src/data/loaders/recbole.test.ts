import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureDir } from "../test-utils/fixtures.js";
import { recboleLoader } from "./recbole.js";

const inter =
  "user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t302\t5\t881250950\n";
const item =
  "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\tscore:float_seq\n" +
  "242\tKolya\t1996\tComedy\t0.5 1\n302\tL.A. Confidential\t1997\tCrime Film-Noir Mystery Thriller\t\n";

describe("RecBole atomic loader", () => {
  it("reads typed .inter and .item files (token_seq titles and genres)", async () => {
    const dir = fixtureDir({
      "ml-tiny.inter": inter,
      "ml-tiny.item": item,
      "ml-tiny.user": "user_id:token\tage:token\n196\t49\n",
    });
    const r = await recboleLoader.load(dir, {});
    expect(r.name).toBe("ml-tiny");
    const x = r.interactions;
    expect(
      Array.from(x.user, (u, t) => [x.userIds[u], x.itemIds[x.item[t]], x.value[t], x.time?.[t]]),
    ).toEqual([
      ["196", "242", 3, 881250949],
      ["186", "302", 3, 891717742],
      ["196", "302", 5, 881250950],
    ]);
    expect(x.valueKind).toBe("rating");
    expect(r.items.byId.get("302")).toEqual({
      title: "L.A. Confidential",
      year: 1997,
      genres: ["Crime", "Film-Noir", "Mystery", "Thriller"],
    });
  });

  it("accepts an .inter path and implicit feedback without a value column", async () => {
    const dir = fixtureDir({ "clicks.inter": "user_id:token\titem_id:token\nu1\ti9\nu2\ti9\n" });
    const r = await recboleLoader.load(join(dir, "clicks.inter"), {});
    expect(r.interactions.valueKind).toBe("implicit");
    expect(Array.from(r.interactions.value)).toEqual([1, 1]);
    expect(r.interactions.userIds).toEqual(["u1", "u2"]);
  });

  it("rejects unknown types, untyped headers and bad floats naming file, line and field", async () => {
    const dir = fixtureDir({
      "a.inter": "user_id:token\titem_id:string\n1\t2\n",
      "b.inter": "user_id\titem_id:token\n1\t2\n",
      "c.inter": "user_id:token\titem_id:token\trating:float\n1\t2\tgood\n",
    });
    await expect(recboleLoader.load(join(dir, "a.inter"), {})).rejects.toThrow(
      `${join(dir, "a.inter")} line 1, field "item_id": unknown RecBole type (expected token, token_seq, float, float_seq), got "string"`,
    );
    await expect(recboleLoader.load(join(dir, "b.inter"), {})).rejects.toThrow(
      `${join(dir, "b.inter")} line 1, field "column 1": header field must be name:type, got "user_id"`,
    );
    await expect(recboleLoader.load(join(dir, "c.inter"), {})).rejects.toThrow(
      `${join(dir, "c.inter")} line 2, field "rating": expected a number, got "good"`,
    );
  });
});
