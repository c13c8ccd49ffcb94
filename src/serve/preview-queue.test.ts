import { describe, expect, it } from "vitest";
import { Unavailable } from "../errors.js";
import { PreviewQueue } from "./preview-queue.js";

/** A job that records when it starts and finishes when `release` is called. */
function gate(log: string[], name: string): { job: () => Promise<string>; release: () => void } {
  let release = (): void => undefined;
  const done = new Promise<void>((resolve) => (release = resolve));
  return {
    job: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    release: () => release(),
  };
}

describe("PreviewQueue", () => {
  it("runs previews one at a time in arrival order and refuses a preview past its capacity", async () => {
    const q = new PreviewQueue(2);
    const log: string[] = [];
    const a = gate(log, "a");
    const b = gate(log, "b");
    const pa = q.run("reach", a.job);
    const pb = q.run("reach", b.job);
    expect(q.size).toBe(2);
    expect(() => q.run("neuron 7 reach", async () => "c")).toThrow(Unavailable);
    expect(() => q.run("neuron 7 reach", async () => "c")).toThrow(
      "neuron 7 reach: 2 previews are already queued or running (at most 2); retry when one has finished",
    );
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(["start a"]); // b waits for a
    a.release();
    expect(await pa).toBe("a");
    // a has finished: there is room again, and the new preview queues behind b.
    const pc = q.run("reach", async () => (log.push("c"), "c"));
    b.release();
    expect(await Promise.all([pb, pc])).toEqual(["b", "c"]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "c"]);
    expect(q.size).toBe(0);
  });

  it("a failed preview frees its place and does not stop the ones behind it", async () => {
    const q = new PreviewQueue(1);
    await expect(q.run("reach", async () => Promise.reject(new Error("bad neuron")))).rejects.toThrow(
      "bad neuron",
    );
    expect(q.size).toBe(0);
    expect(await q.run("reach", async () => 5)).toBe(5);
    expect(() => new PreviewQueue(0)).toThrow("capacity must be a positive integer, got 0");
  });
});
