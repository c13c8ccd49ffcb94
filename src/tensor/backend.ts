import { availableParallelism } from "node:os";
import { blasKernels } from "./kernels/blas.js";
import { type NativeLoad, loadNative } from "./kernels/native.js";
import { referenceKernels } from "./kernels/reference.js";
import type { Kernels } from "./kernels/types.js";

/** What `reclens info` reports about the numerical backend. */
export interface BackendInfo {
  backend: Kernels["name"];
  threads: number;
  openblasFound: boolean;
  /** Why the BLAS backend is not in use, or a configuration problem that was worked around. */
  notice?: string;
}

/** Result of choosing a backend: the kernels, what to report, and a line for stderr if any. */
export interface BackendChoice {
  kernels: Kernels;
  info: BackendInfo;
  /** One line for stderr when the user should know about a fallback; absent when all is as asked. */
  warning?: string;
}

/**
 * Chooses the backend from environment variables (a pure function of its inputs, for tests):
 * RECLENS_BACKEND=reference|blas forces one (forcing blas when the addon cannot load throws, since
 * the user asked for it); otherwise blas when the addon loads, else reference with a warning.
 * RECLENS_THREADS sets the BLAS thread count (default: `defaultThreads`); an invalid value is reported
 * in the warning and the default is used.
 */
export function chooseBackend(
  env: Record<string, string | undefined>,
  load: () => NativeLoad,
  defaultThreads: number,
): BackendChoice {
  const forced = env.RECLENS_BACKEND?.trim();
  if (forced !== undefined && forced !== "" && forced !== "reference" && forced !== "blas") {
    throw new RangeError(`RECLENS_BACKEND must be "reference" or "blas", got "${forced}"`);
  }
  const notices: string[] = [];
  let threads = defaultThreads;
  const rawThreads = env.RECLENS_THREADS?.trim();
  if (rawThreads !== undefined && rawThreads !== "") {
    const t = Number(rawThreads);
    if (Number.isInteger(t) && t >= 1 && t <= 1024) threads = t;
    else
      notices.push(`RECLENS_THREADS="${rawThreads}" is not an integer in [1, 1024]; using ${defaultThreads}`);
  }
  const loaded = load();
  const openblasFound = loaded.ok;
  if (forced === "blas" && !loaded.ok) {
    throw new Error(
      `RECLENS_BACKEND=blas but the BLAS backend is unavailable: ${loaded.reason} (${loaded.path})`,
    );
  }
  if (forced === "reference" || !loaded.ok) {
    // Asked-for reference: nothing to warn about on stderr, but `info` still says the addon is missing.
    const warnings = [...notices];
    if (!loaded.ok) {
      const why = `${loaded.reason}; using the slower reference kernels`;
      notices.push(why);
      if (forced !== "reference") warnings.push(why);
    }
    const notice = notices.length > 0 ? notices.join("; ") : undefined;
    return {
      kernels: referenceKernels,
      info: { backend: "reference", threads: 1, openblasFound, ...(notice ? { notice } : {}) },
      ...(warnings.length > 0 ? { warning: `reclens: ${warnings.join("; ")}` } : {}),
    };
  }
  blasKernels.setThreads(threads);
  const notice = notices.length > 0 ? notices.join("; ") : undefined;
  return {
    kernels: blasKernels,
    info: { backend: "blas", threads: blasKernels.threads(), openblasFound, ...(notice ? { notice } : {}) },
    ...(notice ? { warning: `reclens: ${notice}` } : {}),
  };
}

let choice: BackendChoice | undefined;

function select(): BackendChoice {
  if (!choice) {
    choice = chooseBackend(process.env, loadNative, availableParallelism());
    if (choice.warning) process.stderr.write(`${choice.warning}\n`);
  }
  return choice;
}

/**
 * The kernels chosen at start-up: blas when the native addon loads, else reference (with a one-line
 * notice on stderr). RECLENS_BACKEND=reference|blas overrides, RECLENS_THREADS sets the thread count.
 */
export function kernels(): Kernels {
  return select().kernels;
}

/** Details of the selected backend. */
export function backendInfo(): BackendInfo {
  const c = select();
  // Threads may have been changed through setThreads since start-up.
  return { ...c.info, threads: c.kernels.threads() };
}
