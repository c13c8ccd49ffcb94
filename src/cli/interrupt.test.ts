import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../data/synth-write.js";
import { generateSynthetic } from "../data/synth.js";
import { trainRun } from "../pipeline/train-run.js";
import { readCheckpoint } from "../store/checkpoint.js";
import { rerunCommand } from "./interrupt.js";

const root = mkdtempSync(join(tmpdir(), "reclens-sigint-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("rerunCommand", () => {
  it("appends and drops flags and quotes what the shell would split", () => {
    const argv = ["node", "reclens", "train", "my data.csv", "--model", "elsa", "--force"];
    expect(rerunCommand(["--resume"], ["--force"], argv)).toBe(
      "reclens train 'my data.csv' --model elsa --resume",
    );
    expect(rerunCommand(["--model"], [], argv)).toBe("reclens train 'my data.csv' --model elsa --force");
  });
});

describe("Ctrl-C during `reclens train`", () => {
  it("prints what was kept and the exact resume command, exits 130, and keeps the checkpoint", async () => {
    const data = join(root, "data.rlds");
    const syn = generateSynthetic({ users: 200, items: 60, concepts: 3, seed: 2, meanInteractions: 10 });
    await writeSynthetic(data, syn);
    const out = join(root, "run");
    const args = ["train", data, "--model", "elsa", "--set", "dim=8", "--set", "epochs=100000"];
    args.push("--set", "batchSize=8", "--patience", "1000000", "--out", out);
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.CI;
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], {
      cwd: process.cwd(),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const ck = join(out, "checkpoint", "state.safetensors");
    const deadline = Date.now() + 20_000;
    while (!existsSync(ck) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(ck)).toBe(true);
    child.kill("SIGINT");
    const code = await exited;
    expect(code).toBe(130);
    const epoch = Number(readCheckpoint(join(out, "checkpoint")).state.epoch);
    expect(epoch).toBeGreaterThanOrEqual(1);
    expect(stderr).toContain(
      `reclens train: interrupted; the checkpoint of epoch ${epoch} of 100000 is kept in ${join(out, "checkpoint")}. ` +
        `Resume with: reclens train ${data} --model elsa --set dim=8 --set epochs=100000 --set batchSize=8 ` +
        `--patience 1000000 --out ${out} --resume`,
    );
    // The same training without --resume is refused rather than silently started over.
    const same = {
      data,
      model: "elsa",
      modelConfig: { dim: 8, epochs: epoch + 2, batchSize: 8 },
      seed: 42,
      split: { kind: "heldOutUsers" as const },
      patience: 1000000,
      out,
    };
    await expect(trainRun(same)).rejects.toThrow(
      /holds an interrupted training .* add --resume to continue it/,
    );
    // Other settings (here fewer epochs) do not match the checkpoint's key.
    await expect(trainRun({ ...same, resume: true })).rejects.toThrow(/checkpoint is of another training/);
  }, 40_000);
});
