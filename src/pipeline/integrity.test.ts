import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStub } from "../concepts/test-utils/llm-stub.js";
import { Conflict, exitCodeOf, NotFound, Unavailable } from "../errors.js";
import { loadModel } from "../models/index.js";
import { loadSae } from "../sae/io.js";
import { fileFingerprint } from "../store/lineage.js";
import { readSafetensors, writeSafetensors, type TensorInput } from "../store/safetensors.js";
import { labelRun } from "./label-run.js";
import { checkpointDirOf } from "./model-out.js";
import { openModelRun } from "./run-context.js";
import { trainSaeOnRun } from "./sae-run.js";
import { loadRunSae } from "./sae-ref.js";
import { PLANTED_MODELS, PLANTED_SAE, plantedRun, type PlantedRun } from "./testing.js";
import { trainRun } from "./train-run.js";

/** Faults a user found: stale artifacts, NaN weights, a dead LLM endpoint; each must fail loudly. */
const root = mkdtempSync(join(tmpdir(), "reclens-integrity-"));
let planted: PlantedRun;
let run: string;
const side = join(root, "side-sae");
const quiet = { progress: "never" } as const;

beforeAll(async () => {
  planted = await plantedRun(root);
  run = planted.ctx.dir;
  await trainSaeOnRun(planted.ctx, PLANTED_SAE, quiet);
  await trainSaeOnRun(planted.ctx, { ...PLANTED_SAE, epochs: 3 }, { ...quiet, out: side });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Rewrites one value of a tensor in a safetensors file. */
function poison(path: string, tensor: string, index: number, value: number): void {
  const st = readSafetensors(path);
  const out: Record<string, TensorInput> = {};
  for (const [name, t] of st.tensors) {
    const data = (t.data as Float32Array).slice();
    if (name === tensor) data[index] = value;
    out[name] = { shape: [...t.shape], data };
  }
  writeSafetensors(path, out, st.metadata);
}

describe("non-finite weights", () => {
  it("a model with a NaN weight is refused, naming the file, tensor, position and value", () => {
    const copy = join(root, "nan-model");
    cpSync(planted.ctx.layout.model, copy, { recursive: true });
    poison(join(copy, "weights.safetensors"), "A", 16 * 2 + 5, Number.NaN); // ELSA dim 16: row 2, column 5
    expect(() => loadModel(copy)).toThrow(
      `${join(copy, "weights.safetensors")}: tensor "A" holds 1 non-finite value(s) (first at row 2, column 5: NaN)`,
    );
  });

  it("an SAE with an infinite weight is refused, naming the tensor", () => {
    const copy = join(root, "inf-sae");
    cpSync(planted.ctx.layout.sae, copy, { recursive: true });
    poison(join(copy, "sae_weights.safetensors"), "b_enc", 3, Number.POSITIVE_INFINITY);
    expect(() => loadSae(copy)).toThrow(
      /tensor "b_enc" holds 1 non-finite value\(s\) \(first at index 3: Infinity\)/,
    );
  });
});

describe("stale artifacts", () => {
  it("an SAE records the model weights, split and data it was trained on", () => {
    const m = JSON.parse(readFileSync(join(side, "manifest.json"), "utf8")) as {
      config: { derivedFrom: { model: { fingerprint: string }; split: unknown; data: string } };
    };
    expect(m.config.derivedFrom.model.fingerprint).toBe(
      fileFingerprint(join(planted.ctx.layout.model, "weights.safetensors")),
    );
    expect(m.config.derivedFrom.split).toEqual(planted.ctx.splitSettings);
    expect(m.config.derivedFrom.data).toBe(planted.ctx.manifest.data.hash);
  });

  it("retraining the model into a run with an SAE is refused without --force", async () => {
    const again = { data: planted.dataFile, model: "elsa", seed: 1, out: run, patience: 100 };
    await expect(trainRun({ ...again, modelConfig: { ...PLANTED_MODELS.elsa, epochs: 4 } })).rejects.toThrow(
      Conflict,
    );
    await expect(trainRun({ ...again, modelConfig: { ...PLANTED_MODELS.elsa, epochs: 4 } })).rejects.toThrow(
      /already holds .*sae \(an SAE trained on the current model\); a new model would leave them stale\. Re-run with --force/,
    );
    expect(existsSync(join(planted.ctx.layout.sae, "sae_weights.safetensors"))).toBe(true);
    await expect(trainRun({ ...again, resume: true })).rejects.toThrow(NotFound);
  });

  it("with --force the run's SAE is deleted and an SAE elsewhere is refused naming the change", async () => {
    await trainRun({
      data: planted.dataFile,
      model: "elsa",
      modelConfig: { ...PLANTED_MODELS.elsa, epochs: 4 },
      seed: 1,
      out: run,
      patience: 100,
      force: true,
    });
    expect(existsSync(planted.ctx.layout.sae)).toBe(false);
    expect(existsSync(checkpointDirOf(run))).toBe(false); // removed once the model was saved
    const ctx = await openModelRun(run);
    expect(() => loadRunSae(ctx)).toThrow(/no SAE here; train one with `reclens sae train --run/);
    let err: unknown;
    try {
      loadRunSae(ctx, side);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Conflict);
    expect(exitCodeOf(err)).toBe(4);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^${side}: this SAE is stale: it was trained on model weights [0-9a-f]{12}, but .*model now holds [0-9a-f]{12} ` +
          `\\(the model was retrained after the SAE\\)\\. Rebuild it: \`reclens sae train --run ${run} --out ${side} --force\``,
      ),
    );
  });
});

describe("LLM labelling that labels nothing", () => {
  it("an unreachable endpoint fails with the URL and the network error", async () => {
    await trainSaeOnRun(planted.ctx, PLANTED_SAE, quiet); // the run's SAE was deleted by --force above
    const ctx = await openModelRun(run);
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    let err: unknown;
    try {
      await labelRun(ctx, {
        llm: true,
        llmConfig: { baseUrl: url, model: "m", maxRetries: 0 },
        progress: { mode: "never" },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Unavailable);
    expect(exitCodeOf(err)).toBe(5);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^--llm: every LLM call failed \\(\\d+ neuron\\(s\\), nothing labelled by ${url}\\); first error: ` +
          `LLM request to ${url}/chat/completions failed after 1 attempts; last error: network error: fetch failed \\(.*ECONNREFUSED`,
      ),
    );
    expect(existsSync(join(ctx.layout.concepts, "labels.json"))).toBe(false); // nothing written
  });

  it("gives up after the first 8 neurons fail instead of asking for every neuron", async () => {
    const stub = await startStub(() => ({ status: 401, content: "bad key" }));
    try {
      const ctx = await openModelRun(run);
      await expect(
        labelRun(ctx, {
          llm: true,
          llmConfig: { baseUrl: stub.url, model: "m", maxRetries: 0, concurrency: 2 },
          progress: { mode: "never" },
        }),
      ).rejects.toThrow(/every LLM call failed .*HTTP 401/);
      // 8 failures, plus at most one request already in flight per other worker.
      expect(stub.requests.length).toBeGreaterThanOrEqual(8);
      expect(stub.requests.length).toBeLessThanOrEqual(9);
    } finally {
      await stub.close();
    }
  });
});

describe("trainRun checkpoints", () => {
  it("an interrupted run resumed with --resume writes the same model and metrics as an uninterrupted one", async () => {
    const base = {
      data: planted.dataFile,
      model: "elsa",
      modelConfig: { ...PLANTED_MODELS.elsa, epochs: 6 },
      seed: 3,
      patience: 100,
    };
    const whole = await trainRun({ ...base, out: join(root, "whole") });
    const out = join(root, "resumed");
    await expect(
      trainRun({
        ...base,
        out,
        onCheckpoint: (epoch) => {
          if (epoch === 2) throw new Error("power cut");
        },
      }),
    ).rejects.toThrow("power cut");
    expect(existsSync(join(out, "model"))).toBe(false);
    const resumed = await trainRun({ ...base, out, resume: true });
    expect(existsSync(checkpointDirOf(out))).toBe(false);
    expect(resumed.fit.losses).toEqual(whole.fit.losses);
    expect(fileFingerprint(join(out, "model", "weights.safetensors"))).toBe(
      fileFingerprint(join(root, "whole", "model", "weights.safetensors")),
    );
    const { ["fit/seconds"]: _a, ...m1 } = resumed.manifest.metrics;
    const { ["fit/seconds"]: _b, ...m2 } = whole.manifest.metrics;
    expect(m1).toEqual(m2);
  });
});
