import { describe, expect, it } from "vitest";
import { etaSeconds, formatDuration, progressTask, progressWanted } from "./progress.js";

function capture(isTTY: boolean): {
  out: string[];
  stream: { isTTY: boolean; write: (s: string) => boolean };
} {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => (out.push(s), true) } };
}

describe("progressTask", () => {
  it("draws count, total, percentage, elapsed time and ETA from a fake clock", () => {
    let now = 1_000;
    const { out, stream } = capture(true);
    const t = progressTask("llm labels", 200, { stream, env: {}, now: () => now, minIntervalMs: 0 });
    now += 30_000; // 50 of 200 in 30 s: 150 left at 0.6 s each = 90 s
    t.set(50, "3 failed");
    expect(out.at(-1)).toBe("\rllm labels 50/200 (25%)  3 failed  30s elapsed, ETA 1m30s");
    expect(t.etaSec).toBe(90);
    now += 90_000;
    t.set(200, "");
    expect(out.at(-1)).toMatch(/^\rllm labels 200\/200 \(100%\) {2}2m00s elapsed, ETA 0s {9}$/); // padded over the 57-character old text
    t.finish();
    expect(out.at(-1)).toBe("\n");
  });

  it("is silent on a pipe and under CI, but still writes log lines unless the mode is never", () => {
    const pipe = capture(false);
    const t = progressTask("train", 10, { stream: pipe.stream, env: {} });
    t.set(5);
    t.log("epoch 5/10");
    t.finish();
    expect(pipe.out).toEqual(["epoch 5/10\n"]);
    expect(progressWanted({ isTTY: true, write: () => true }, { CI: "1" })).toBe(false);
    expect(progressWanted({ isTTY: true, write: () => true }, {})).toBe(true);
    const never = capture(true);
    const n = progressTask("train", 10, { stream: never.stream, mode: "never" });
    n.set(3);
    n.log("x");
    n.finish();
    expect(never.out).toEqual([]);
  });

  it("a log line clears the live line and redraws it below", () => {
    const { out, stream } = capture(true);
    const t = progressTask("sae train", undefined, { stream, env: {}, now: () => 0, minIntervalMs: 0 });
    t.set(4);
    expect(out).toEqual(["\rsae train 4  0s elapsed"]); // no total: no percentage, no ETA
    t.log("epoch 1");
    expect(out.slice(1)).toEqual([`\r${" ".repeat(23)}\r`, "epoch 1\n", "\rsae train 4  0s elapsed"]);
  });

  it("estimates time left only when the total and some progress are known", () => {
    expect(etaSeconds(1, 4, 10)).toBe(30);
    expect(etaSeconds(0, 4, 10)).toBeNaN();
    expect(etaSeconds(2, undefined, 10)).toBeNaN();
    expect(formatDuration(3725)).toBe("1h02m");
    expect(formatDuration(-1)).toBe("?");
  });
});
