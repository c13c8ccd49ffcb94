import { readFileSync } from "node:fs";
import { Matrix } from "../tensor/matrix.js";

/**
 * Reader for NumPy's .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * the magic "\x93NUMPY", a major/minor version byte pair, the header length (uint16 LE in version
 * 1.0, uint32 LE in 2.0 and 3.0), an ASCII (3.0: UTF-8) Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (rows, cols), }` padded with spaces and a
 * newline, then the raw array bytes. Only what embeddings need is supported: float32/float64,
 * little-endian, C order, 1-D or 2-D.
 */

/** A parsed .npy header. */
export interface NpyHeader {
  readonly version: string;
  /** dtype descriptor, e.g. "<f4". */
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Byte offset of the array data. */
  readonly dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parses the header of .npy bytes; `source` (a file name) prefixes every error. */
export function parseNpyHeader(bytes: Uint8Array, source = "<buffer>"): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new Error(`${source}: not a .npy file (missing the \\x93NUMPY magic)`);
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3)
    throw new Error(`${source}: unsupported .npy version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new Error(`${source}: truncated .npy header`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + headerLen > bytes.length)
    throw new Error(
      `${source}: truncated .npy header (says ${headerLen} bytes, ${bytes.length - start} follow)`,
    );
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, headerLen).toString(
    major === 3 ? "utf8" : "latin1",
  );
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new Error(
      `${source}: malformed .npy header ${JSON.stringify(text.trim())} (expected descr, fortran_order and shape)`,
    );
  const dims = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const shape = dims.map((d) => {
    const n = Number(d.replace(/L$/, ""));
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`${source}: bad dimension "${d}" in .npy shape (${shapeText})`);
    return n;
  });
  return {
    version: `${major}.${minor}`,
    descr,
    fortranOrder: fortran === "True",
    shape,
    dataOffset: start + headerLen,
  };
}

/**
 * Decodes .npy bytes holding a 2-D (or 1-D: one row) float32/float64 little-endian C-order array
 * into a float32 Matrix. Errors name `source` and the problem (dtype, byte order, Fortran order,
 * rank, size, non-finite values with their row and column).
 */
export function decodeNpyMatrix(bytes: Uint8Array, source = "<buffer>"): Matrix {
  const h = parseNpyHeader(bytes, source);
  const m = /^([<>|=])?([fiub])(\d+)$/.exec(h.descr);
  if (!m)
    throw new Error(
      `${source}: unsupported .npy dtype "${h.descr}" (supported: float32 '<f4', float64 '<f8')`,
    );
  const [, order, kind, size] = m;
  if (kind !== "f" || (size !== "4" && size !== "8"))
    throw new Error(
      `${source}: unsupported .npy dtype "${h.descr}" (supported: float32 '<f4', float64 '<f8')`,
    );
  if (order === ">")
    throw new Error(
      `${source}: big-endian .npy data ("${h.descr}") is not supported; save with dtype '<f${size}'`,
    );
  if (h.fortranOrder)
    throw new Error(
      `${source}: Fortran-order .npy arrays are not supported; save with np.ascontiguousarray(x)`,
    );
  if (h.shape.length !== 1 && h.shape.length !== 2)
    throw new Error(`${source}: expected a 2-D array (rows x dims), got shape (${h.shape.join(", ")})`);
  const [rows, cols] = h.shape.length === 2 ? h.shape : [1, h.shape[0]];
  const width = Number(size);
  const need = rows * cols * width;
  const have = bytes.length - h.dataOffset;
  if (have < need)
    throw new Error(
      `${source}: truncated .npy data (${have} bytes, shape (${h.shape.join(", ")}) needs ${need})`,
    );
  if (have > need) throw new Error(`${source}: ${have - need} bytes after the .npy array data`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + h.dataOffset, need);
  const out = new Matrix(rows, cols);
  for (let p = 0; p < rows * cols; p++) {
    const v = width === 4 ? view.getFloat32(p * 4, true) : view.getFloat64(p * 8, true);
    if (!Number.isFinite(v))
      throw new Error(`${source}: value at row ${Math.floor(p / cols)}, column ${p % cols} is ${v}`);
    out.data[p] = v;
  }
  return out;
}

/** Reads a .npy file as a float32 Matrix (see {@link decodeNpyMatrix}). */
export function readNpyMatrix(path: string): Matrix {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  return decodeNpyMatrix(bytes, path);
}

/**
 * Encodes a Matrix as a version 1.0 .npy file ('<f4', C order, shape (rows, cols)); the header is
 * padded so the data start at a multiple of 64 bytes, as NumPy writes it.
 */
export function encodeNpyMatrix(m: Matrix): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + m.data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(Buffer.from(header, "latin1"), 10);
  for (let p = 0; p < m.data.length; p++) view.setFloat32(10 + header.length + p * 4, m.data[p], true);
  return out;
}
