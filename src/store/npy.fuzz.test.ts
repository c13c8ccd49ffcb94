import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParams, mutate, mutationsArb } from "../data/test-utils/fuzz.js";
import type { Matrix } from "../tensor/matrix.js";
import { decodeNpyMatrix } from "./npy.js";

/**
 * Fuzz test of the .npy reader: valid version 1.0 float32 and 2.0 float64 files get random byte
 * edits. Decoding must throw a plain Error naming the source, or return exactly the matrix the
 * mutated bytes hold by the test's own reading (the header dict converted to JSON, data after the
 * header); where only the reader's lenient header parse accepts the bytes, the original dtype and
 * shape applied to the mutated data.
 */

const RUNS = 1500;
const SOURCE = "fuzz.npy";

/** .npy bytes: magic, version, header length (2 or 4 bytes), dict padded to 64 bytes, data. */
function npy(dict: string, data: Buffer, major: number): Buffer {
  const pre = major === 1 ? 10 : 12;
  const h = dict + " ".repeat((64 - ((pre + dict.length + 1) % 64)) % 64) + "\n";
  const len = Buffer.alloc(pre - 8);
  if (major === 1) len.writeUInt16LE(h.length);
  else len.writeUInt32LE(h.length);
  return Buffer.concat([
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]),
    len,
    Buffer.from(h, "latin1"),
    data,
  ]);
}

const FILES = [
  npy(
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
    Buffer.from(new Float32Array([1, -2.5, 3, 0.25, 1e30, -7]).buffer),
    1,
  ),
  npy(
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
    Buffer.from(new Float64Array([0.1, -1e10, 5]).buffer),
    2,
  ),
];

/** The matrix the bytes hold by a strict reading of the format, or null when they are not valid. */
function expected(bytes: Buffer): { rows: number; cols: number; data: number[] } | null {
  if (bytes.length < 10 || bytes.subarray(0, 6).toString("latin1") !== "\x93NUMPY") return null;
  const major = bytes[6];
  if (major < 1 || major > 3) return null;
  const pre = major === 1 ? 10 : 12;
  if (bytes.length < pre) return null;
  const hl = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  if (pre + hl > bytes.length) return null;
  const text = bytes.subarray(pre, pre + hl).toString(major === 3 ? "utf8" : "latin1");
  const dict = /\{[^}]*\}/.exec(text)?.[0];
  if (!dict) return null;
  let h: { descr?: unknown; fortran_order?: unknown; shape?: unknown };
  try {
    h = JSON.parse(
      dict
        .replace(/'/g, '"')
        .replace(/\(/g, "[")
        .replace(/\)/g, "]")
        .replace(/,\s*([\]}])/g, "$1")
        .replace(/\bFalse\b/g, "false")
        .replace(/\bTrue\b/g, "true"),
    ) as typeof h;
  } catch {
    return null;
  }
  const width = h.descr === "<f4" ? 4 : h.descr === "<f8" ? 8 : 0;
  const shape = h.shape as number[];
  if (!width || h.fortran_order !== false || !Array.isArray(shape) || shape.length < 1 || shape.length > 2)
    return null;
  const [rows, cols] = shape.length === 2 ? shape : [1, shape[0]];
  const data = bytes.subarray(pre + hl);
  if (data.length !== rows * cols * width) return null;
  const values = Array.from({ length: rows * cols }, (_, p) =>
    Math.fround(width === 4 ? data.readFloatLE(p * 4) : data.readDoubleLE(p * 8)),
  );
  if (!values.every(Number.isFinite)) return null;
  return { rows, cols, data: values };
}

function plain(m: Matrix): { rows: number; cols: number; data: number[] } {
  return { rows: m.rows, cols: m.cols, data: Array.from(m.data) };
}

describe(".npy reader under fuzzing", () => {
  it("throws a sourced Error or returns exactly the matrix the mutated bytes hold", () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1), mutationsArb(), (k, mutations) => {
        const bytes = mutate(FILES[k], mutations, ",");
        let got: Matrix;
        try {
          got = decodeNpyMatrix(bytes, SOURCE);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
          expect((err as Error).constructor.name).toBe("Error");
          expect((err as Error).message.startsWith(`${SOURCE}: `)).toBe(true);
          return;
        }
        const strict = expected(bytes);
        if (strict) {
          expect(plain(got)).toEqual(strict);
          return;
        }
        // a header only the reader's lenient parse accepts (a stray byte between the keys): it must
        // still mean the original dtype and shape, read from the mutated data
        const base = expected(FILES[k]) as { rows: number; cols: number; data: number[] };
        const width = k === 0 ? 4 : 8;
        const data = bytes.subarray(bytes.length - base.rows * base.cols * width);
        expect(plain(got)).toEqual({
          rows: base.rows,
          cols: base.cols,
          data: base.data.map((_, p) =>
            Math.fround(width === 4 ? data.readFloatLE(p * 4) : data.readDoubleLE(p * 8)),
          ),
        });
      }),
      fuzzParams(RUNS),
    );
  });
});
