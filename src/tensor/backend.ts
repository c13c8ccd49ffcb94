import { referenceKernels } from "./kernels/reference.js";
import type { Kernels } from "./kernels/types.js";

/** What `reclens info` reports about the numerical backend. */
export interface BackendInfo {
  backend: Kernels["name"];
  threads: number;
  openblasFound: boolean;
  /** Why the BLAS backend is not in use, when it is not. */
  notice?: string;
}

let active: Kernels | undefined;
let info: BackendInfo | undefined;

/** The kernels chosen at start-up (RECLENS_BACKEND=reference|blas overrides the default). */
export function kernels(): Kernels {
  if (!active) select();
  return active as Kernels;
}

/** Details of the selected backend. */
export function backendInfo(): BackendInfo {
  if (!info) select();
  return info as BackendInfo;
}

function select(): void {
  active = referenceKernels;
  info = { backend: "reference", threads: 1, openblasFound: false, notice: "BLAS backend not built yet" };
}
