import { describe, expect, it } from "vitest";
import { backendInfo, chooseBackend, kernels } from "./backend.js";
import { blasKernels } from "./kernels/blas.js";
import { type NativeLoad, loadNative } from "./kernels/native.js";

const missing = (): NativeLoad => ({
  ok: false,
  path: "/nowhere/reclens_native.node",
  reason: "native addon not built",
});
const real = loadNative();
if (!real.ok) console.warn(`backend tests with the addon skipped: ${real.reason}`);

describe("chooseBackend without the addon", () => {
  it("falls back to reference with a one-line warning instead of failing", () => {
    const c = chooseBackend({}, missing, 4);
    expect(c.kernels.name).toBe("reference");
    expect(c.info).toEqual({
      backend: "reference",
      threads: 1,
      openblasFound: false,
      notice: "native addon not built; using the slower reference kernels",
    });
    expect(c.warning).toBe("reclens: native addon not built; using the slower reference kernels");
  });

  it("RECLENS_BACKEND=reference is silent; forcing blas throws with the reason; other values throw", () => {
    const c = chooseBackend({ RECLENS_BACKEND: "reference" }, missing, 4);
    expect(c.kernels.name).toBe("reference");
    expect(c.warning).toBeUndefined();
    expect(c.info.notice).toMatch(/native addon not built/);
    expect(() => chooseBackend({ RECLENS_BACKEND: "blas" }, missing, 4)).toThrow(
      /RECLENS_BACKEND=blas but the BLAS backend is unavailable: native addon not built \(\/nowhere\/reclens_native.node\)/,
    );
    expect(() => chooseBackend({ RECLENS_BACKEND: "cuda" }, missing, 4)).toThrow(
      /RECLENS_BACKEND must be "reference" or "blas", got "cuda"/,
    );
  });
});

describe.skipIf(!real.ok)(
  real.ok
    ? "chooseBackend with the addon"
    : `chooseBackend with the addon (SKIPPED: ${real.ok ? "" : real.reason})`,
  () => {
    it("defaults to blas with the default thread count, honours RECLENS_THREADS and RECLENS_BACKEND=reference", () => {
      const before = blasKernels.threads();
      try {
        const d = chooseBackend({}, loadNative, 2);
        expect(d.kernels.name).toBe("blas");
        expect(d.info).toEqual({ backend: "blas", threads: 2, openblasFound: true });
        expect(d.warning).toBeUndefined();
        expect(chooseBackend({ RECLENS_THREADS: "1" }, loadNative, 2).info.threads).toBe(1);
        const bad = chooseBackend({ RECLENS_THREADS: "two" }, loadNative, 2);
        expect(bad.info.threads).toBe(2);
        expect(bad.warning).toBe('reclens: RECLENS_THREADS="two" is not an integer in [1, 1024]; using 2');
        const ref = chooseBackend({ RECLENS_BACKEND: "reference" }, loadNative, 2);
        expect(ref.info).toEqual({ backend: "reference", threads: 1, openblasFound: true });
        expect(ref.warning).toBeUndefined();
      } finally {
        blasKernels.setThreads(before);
      }
    });

    it("kernels() and backendInfo() agree on the selected backend", () => {
      const info = backendInfo();
      expect(kernels().name).toBe(info.backend);
      expect(info.threads).toBe(kernels().threads());
      expect(info.openblasFound).toBe(true);
    });
  },
);
