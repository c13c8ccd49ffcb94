import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { decodeNpyMatrix, encodeNpyMatrix, parseNpyHeader } from "./npy.js";

/** Hand-built .npy bytes: magic, version, header length (2 or 4 bytes), header text, data. */
function npy(header: string, data: Uint8Array, major = 1): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  const pre = 8 + lenBytes;
  let h = header;
  h += " ".repeat((64 - ((pre + h.length + 1) % 64)) % 64) + "\n";
  const out = new Uint8Array(pre + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0], 0);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, h.length, true);
  else view.setUint32(8, h.length, true);
  out.set(Buffer.from(h, "latin1"), pre);
  out.set(data, pre + h.length);
  return out;
}

function f32le(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => v.setFloat32(i * 4, x, true));
  return out;
}

function f64le(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => v.setFloat64(i * 8, x, true));
  return out;
}

describe(".npy reader", () => {
  it("reads a version 1.0 float32 C-order matrix value for value", () => {
    const bytes = npy(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      f32le([1, -2.5, 3, 0.25, 5, 6]),
    );
    const m = decodeNpyMatrix(bytes, "a.npy");
    expect([m.rows, m.cols]).toEqual([2, 3]);
    expect(Array.from(m.data)).toEqual([1, -2.5, 3, 0.25, 5, 6]);
    expect(parseNpyHeader(bytes).dataOffset).toBe(128); // 10 + 60-char dict + newline, padded to 64
  });

  it("reads a version 2.0 float64 matrix, rounding to float32", () => {
    const bytes = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", f64le([0.1, 1e10]), 2);
    expect(parseNpyHeader(bytes).version).toBe("2.0");
    const m = decodeNpyMatrix(bytes, "b.npy");
    expect(Array.from(m.data)).toEqual([Math.fround(0.1), Math.fround(1e10)]);
  });

  it("treats a 1-D array as one row", () => {
    const m = decodeNpyMatrix(
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", f32le([7, 8, 9])),
    );
    expect([m.rows, m.cols, ...m.data]).toEqual([1, 3, 7, 8, 9]);
  });

  it("round-trips what encodeNpyMatrix writes", () => {
    const m = Matrix.fromRows([
      [1.5, 2],
      [-3, 4e-7],
      [0, 9],
    ]);
    const bytes = encodeNpyMatrix(m);
    expect(parseNpyHeader(bytes).dataOffset % 64).toBe(0);
    expect(Array.from(decodeNpyMatrix(bytes).data)).toEqual(Array.from(m.data));
  });

  it("rejects what it cannot read, naming the file", () => {
    const hdr = (descr: string, shape = "(1, 2)", fortran = "False") =>
      `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
    expect(() => decodeNpyMatrix(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), "x.npy")).toThrow(
      "x.npy: not a .npy file",
    );
    expect(() => decodeNpyMatrix(npy(hdr(">f4"), f32le([1, 2])), "x.npy")).toThrow(/x\.npy: big-endian/);
    expect(() => decodeNpyMatrix(npy(hdr("<i8"), f64le([1, 2])), "x.npy")).toThrow(
      /x\.npy: unsupported \.npy dtype "<i8"/,
    );
    expect(() => decodeNpyMatrix(npy(hdr("<f4", "(1, 2)", "True"), f32le([1, 2])), "x.npy")).toThrow(
      /x\.npy: Fortran-order/,
    );
    expect(() => decodeNpyMatrix(npy(hdr("<f4", "(1, 1, 2)"), f32le([1, 2])), "x.npy")).toThrow(
      /x\.npy: expected a 2-D array .*\(1, 1, 2\)/,
    );
    expect(() => decodeNpyMatrix(npy(hdr("<f4", "(2, 2)"), f32le([1, 2])), "x.npy")).toThrow(
      /x\.npy: truncated \.npy data \(8 bytes, shape \(2, 2\) needs 16\)/,
    );
    expect(() => decodeNpyMatrix(npy(hdr("<f4"), f32le([1, NaN])), "x.npy")).toThrow(
      "x.npy: value at row 0, column 1 is NaN",
    );
    expect(() => decodeNpyMatrix(npy("{'shape': (1, 2)}", f32le([1, 2])), "x.npy")).toThrow(
      /x\.npy: malformed \.npy header/,
    );
  });
});
