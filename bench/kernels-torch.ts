/**
 * PyTorch comparison for the kernels benchmark: finds a Python that imports torch and drives
 * bench/kernels-torch.py, one long-lived process per thread count, so PyTorch and reclens timings can
 * be interleaved on a shared machine.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./kernels-torch.py", import.meta.url));

/** A Python interpreter that can import torch, with its torch version, or why none was found. */
export function findTorchPython(): { python: string; version: string } | { reason: string } {
  const tried: string[] = [];
  for (const python of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    if (r.status === 0) return { python, version: r.stdout.trim() };
    const why = r.error ? r.error.message : (r.stderr.trim().split("\n").pop() ?? `exit ${r.status}`);
    tried.push(`${python}: ${why}`);
  }
  return { reason: `no Python with torch (${tried.join("; ")})` };
}

/** Requests the Python side understands. */
export type TorchRequest =
  | { op: "gemm"; m: number; k: number; n: number; warmup: number; repeats: number }
  | {
      op: "sae" | "sae_sparse" | "sae_sparse_autograd";
      batch: number;
      d: number;
      latents: number;
      k: number;
      warmup: number;
      repeats: number;
    };

/** One PyTorch process pinned to a thread count; `request` answers one timing at a time. */
export class TorchServer {
  private readonly lines: AsyncIterator<string>;

  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    readonly threads: number,
  ) {
    this.lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  }

  /** Starts the server; OMP/OpenBLAS/MKL thread variables are set before Python loads torch. */
  static async start(python: string, threads: number): Promise<TorchServer> {
    const t = String(threads);
    const env = { ...process.env, OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t };
    const proc = spawn(python, [script, t], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const server = new TorchServer(proc, threads);
    const hello = await server.lines.next();
    if (hello.done) throw new Error(`PyTorch server (${python}) exited: ${stderr.trim()}`);
    return server;
  }

  /** Sends one request and waits for its answer. */
  async request(req: TorchRequest): Promise<{ ms: number; cpuMs?: number }> {
    this.proc.stdin.write(`${JSON.stringify(req)}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error(`PyTorch server with ${this.threads} thread(s) exited during ${req.op}`);
    const out = JSON.parse(line.value) as { ms?: number; cpu_ms?: number; error?: string };
    if (out.error !== undefined || out.ms === undefined)
      throw new Error(`PyTorch server: ${out.error ?? "no timing"}`);
    return { ms: out.ms, ...(out.cpu_ms === undefined ? {} : { cpuMs: out.cpu_ms }) };
  }

  /** Ends the process. */
  close(): void {
    this.proc.stdin.end();
  }
}
