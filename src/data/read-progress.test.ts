import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { movielens100kLoader } from "./loaders/movielens-100k.js";
import { forEachLine } from "./loaders/text-lines.js";
import { fileReadProgress, withReadProgress, type ReadProgressSink } from "./read-progress.js";
import { fixtureDir } from "./test-utils/fixtures.js";

/** A fake stream that records what is written to it. */
function capture(isTTY: boolean): {
  out: string[];
  stream: { isTTY: boolean; write: (s: string) => boolean };
} {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => (out.push(s), true) } };
}

const U_DATA = "1\t10\t5\t881250949\n1\t20\t3\t881250950\n2\t10\t4\t881250951\n"; // 3 lines of 17 bytes

describe("read progress of dataset loads", () => {
  it("reports every chunk's bytes and lines of the file's total to the sink of the running load", async () => {
    const dir = fixtureDir({ "f.txt": U_DATA });
    const events: string[] = [];
    const sink: ReadProgressSink = {
      start: (file, total) => events.push(`start ${file.slice(dir.length + 1)} ${total}`),
      advance: (bytes, lines) => events.push(`${bytes} ${lines}`),
      end: () => events.push("end"),
    };
    const lines = await withReadProgress(sink, () =>
      forEachLine(join(dir, "f.txt"), () => undefined, { chunkBytes: 20 }),
    );
    expect(lines).toBe(3);
    // chunks of 20 bytes: lines end at bytes 17, 34 and 51; a line is emitted once its newline arrived
    expect(events).toEqual(["start f.txt 51", "20 1", "40 2", "51 3", "51 3", "end"]);
    // outside withReadProgress nothing is reported
    events.length = 0;
    await forEachLine(join(dir, "f.txt"), () => undefined);
    expect(events).toEqual([]);
  });

  it("draws `read <file> bytes/total (pct)` with MB, lines and ETA on a TTY, nothing on a pipe", async () => {
    let now = 0;
    const tty = capture(true);
    const sink = fileReadProgress({ stream: tty.stream, env: {}, now: () => now, minIntervalMs: 0 });
    sink.start("/data/ml-25m/ratings.csv", 4_000_000);
    now = 2_000; // a quarter in 2 s: 6 s left
    sink.advance(1_000_000, 12_345);
    expect(tty.out).toEqual([
      "\rread ratings.csv 1000000/4000000 (25.0%)  1.0 of 4.0 MB, 12,345 lines  2s elapsed, ETA 6s",
    ]);
    now = 8_000;
    sink.advance(4_000_000, 49_000);
    sink.end();
    expect(tty.out.slice(1)).toEqual([
      "\rread ratings.csv 4000000/4000000 (100.0%)  4.0 of 4.0 MB, 49,000 lines  8s elapsed, ETA 0s",
      "\rread ratings.csv 4000000/4000000 (100.0%)  4.0 of 4.0 MB, 49,000 lines  8s elapsed, ETA 0s",
      "\n",
    ]);
    // a real load draws its files the same way
    const dir = fixtureDir({ "u.data": U_DATA });
    const load = capture(true);
    const raw = await withReadProgress(
      fileReadProgress({ stream: load.stream, env: {}, now: () => 0, minIntervalMs: 0 }),
      () => movielens100kLoader.load(dir, {}),
    );
    expect(raw.interactions.user.length).toBe(3);
    expect(load.out.at(-2)).toBe("\rread u.data 51/51 (100%)  0.0 of 0.0 MB, 3 lines  0s elapsed, ETA 0s");
    expect(load.out.at(-1)).toBe("\n");
    const pipe = capture(false);
    await withReadProgress(fileReadProgress({ stream: pipe.stream, env: {} }), () =>
      movielens100kLoader.load(dir, {}),
    );
    const ci = capture(true);
    await withReadProgress(fileReadProgress({ stream: ci.stream, env: { CI: "true" } }), () =>
      movielens100kLoader.load(dir, {}),
    );
    expect([pipe.out, ci.out]).toEqual([[], []]);
  });
});
