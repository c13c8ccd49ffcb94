import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import { Matrix } from "../tensor/matrix.js";
import { writeFileAtomic } from "./atomic.js";

/**
 * Reader and writer for the safetensors format (https://github.com/huggingface/safetensors):
 * an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping tensor names to
 * `{dtype, shape, data_offsets}` (plus an optional `__metadata__` string map), then the raw
 * little-endian tensor bytes; `data_offsets` are [begin, end) relative to the start of that buffer,
 * which the tensors must cover exactly (no gaps, no overlaps).
 */

/** Element types this module reads. I64 is narrowed to Int32 on read (error if a value does not fit). */
export type SafetensorsDtype = "F32" | "F64" | "I32" | "I64";

/** A tensor as held in memory after reading. */
export interface Tensor {
  /** dtype of the in-memory data ("I32" for tensors stored as I64). */
  readonly dtype: "F32" | "F64" | "I32";
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array;
}

/** A tensor to write: dtype follows the array type (Float32Array -> F32, Int32Array -> I32). */
export interface TensorInput {
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

/** The decoded contents of a safetensors file. */
export interface SafetensorsContents {
  /** Tensors in file order (ordered by data offset). */
  readonly tensors: Map<string, Tensor>;
  /** The `__metadata__` map ({} when absent). */
  readonly metadata: Record<string, string>;
}

/** Bytes per element of each readable dtype (a Map: "constructor" or "toString" are no dtypes). */
const BYTES: ReadonlyMap<string, number> = new Map([
  ["F32", 4],
  ["F64", 8],
  ["I32", 4],
  ["I64", 8],
]);
const KNOWN_UNSUPPORTED = new Set([
  "BOOL",
  "U8",
  "I8",
  "U16",
  "I16",
  "F16",
  "BF16",
  "U32",
  "U64",
  "F8_E4M3",
  "F8_E5M2",
]);
/** Refuse absurd headers before parsing them (the reference implementation uses the same 100 MB cap). */
const MAX_HEADER_BYTES = 100_000_000;

function assertLittleEndianHost(): void {
  if (endianness() !== "LE") throw new Error("safetensors: big-endian hosts are not supported");
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A safetensors tensor holding a matrix (shape [rows, cols], F32). The data is shared, not copied. */
export function tensorFromMatrix(m: Matrix): TensorInput {
  return { shape: [m.rows, m.cols], data: m.data };
}

/**
 * The F32 tensor `name` of `contents` as a Matrix (2-D; a 1-D tensor becomes a 1 x n matrix).
 * Throws naming the tensor and `source` if it is missing, not F32, or not 1-D/2-D.
 */
export function matrixFromTensor(contents: SafetensorsContents, name: string, source = "<buffer>"): Matrix {
  const t = contents.tensors.get(name);
  if (!t)
    throw new Error(
      `${source}: tensor "${name}" is missing (have: ${[...contents.tensors.keys()].join(", ") || "none"})`,
    );
  if (t.dtype !== "F32") throw new Error(`${source}: tensor "${name}" has dtype ${t.dtype}, expected F32`);
  if (t.shape.length === 2) return new Matrix(t.shape[0], t.shape[1], t.data as Float32Array);
  if (t.shape.length === 1) return new Matrix(1, t.shape[0], t.data as Float32Array);
  throw new Error(`${source}: tensor "${name}" has shape [${t.shape.join(", ")}], expected 1-D or 2-D`);
}

/**
 * Encodes tensors (in the given order) and optional string metadata. Returns the byte parts
 * (header then each tensor's bytes) so large tensors are never copied into one buffer.
 * The JSON header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
 */
export function encodeSafetensorsParts(
  tensors: Record<string, TensorInput> | Map<string, TensorInput>,
  metadata?: Record<string, string>,
): Uint8Array[] {
  assertLittleEndianHost();
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string")
        throw new TypeError(`safetensors: metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === "__metadata__")
      throw new Error('safetensors: "__metadata__" is reserved and cannot name a tensor');
    const dtype = t.data instanceof Float32Array ? "F32" : t.data instanceof Int32Array ? "I32" : undefined;
    if (!dtype) throw new TypeError(`safetensors: tensor "${name}" must hold a Float32Array or Int32Array`);
    for (const d of t.shape) {
      if (!Number.isInteger(d) || d < 0)
        throw new RangeError(`safetensors: tensor "${name}" has invalid shape [${t.shape.join(", ")}]`);
    }
    if (numel(t.shape) !== t.data.length) {
      throw new RangeError(
        `safetensors: tensor "${name}" has ${t.data.length} values but shape [${t.shape.join(", ")}]`,
      );
    }
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, "utf8");
  json += " ".repeat((8 - (jsonBytes % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  return [prefix, headerBytes, ...parts];
}

/** Encodes tensors and metadata into one safetensors byte buffer. */
export function encodeSafetensors(
  tensors: Record<string, TensorInput> | Map<string, TensorInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  return Buffer.concat(encodeSafetensorsParts(tensors, metadata));
}

/** Writes a safetensors file atomically (temporary file, then rename). */
export function writeSafetensors(
  path: string,
  tensors: Record<string, TensorInput> | Map<string, TensorInput>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, encodeSafetensorsParts(tensors, metadata));
}

/** Reads and validates a safetensors file; errors name the file, the tensor and the problem. */
export function readSafetensors(path: string): SafetensorsContents {
  return decodeSafetensors(readFileSync(path), path);
}

interface RawEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(source: string, name: string, value: unknown): RawEntry {
  const where = `${source}: tensor "${name}"`;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${where}: header entry is not an object`);
  const v = value as Record<string, unknown>;
  const dtype = v.dtype;
  if (typeof dtype !== "string") throw new Error(`${where}: missing or non-string dtype`);
  const width = BYTES.get(dtype);
  if (width === undefined) {
    if (KNOWN_UNSUPPORTED.has(dtype))
      throw new Error(`${where}: dtype ${dtype} is not supported (supported: F32, F64, I32, I64)`);
    throw new Error(`${where}: bad dtype "${dtype}"`);
  }
  const shape = v.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(
      `${where}: bad shape ${JSON.stringify(shape)} (expected an array of non-negative integers)`,
    );
  }
  const off = v.data_offsets;
  if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new Error(
      `${where}: bad data_offsets ${JSON.stringify(off)} (expected [begin, end] non-negative integers)`,
    );
  }
  const [begin, end] = off as [number, number];
  if (end < begin) throw new Error(`${where}: data_offsets [${begin}, ${end}] end before begin`);
  const expected = numel(shape as number[]) * width;
  if (end - begin !== expected) {
    throw new Error(
      `${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${dtype} shape [${shape.join(", ")}] needs ${expected}`,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

function parseHeader(
  bytes: Uint8Array,
  source: string,
): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8)
    throw new Error(`${source}: truncated file (${bytes.length} bytes; the 8-byte header length is missing)`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES))
    throw new Error(`${source}: header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) {
    throw new Error(
      `${source}: truncated file (header says ${headerLen} header bytes, only ${bytes.length - 8} follow)`,
    );
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLen).toString("utf8");
  if (!text.startsWith("{")) throw new Error(`${source}: header does not start with "{"`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    throw new Error(`${source}: header is not a JSON object`);
  return { header: header as Record<string, unknown>, dataStart: 8 + headerLen };
}

function parseMetadata(source: string, raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error(`${source}: __metadata__ is not an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== "string")
      throw new Error(`${source}: __metadata__ "${k}" is ${JSON.stringify(v)}, expected a string`);
    out[k] = v;
  }
  return out;
}

function checkCoverage(source: string, entries: RawEntry[], bufferLen: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: RawEntry | undefined;
  for (const e of sorted) {
    if (e.end > bufferLen) {
      throw new Error(
        `${source}: tensor "${e.name}" data_offsets [${e.begin}, ${e.end}] out of range (data buffer is ${bufferLen} bytes; file truncated?)`,
      );
    }
    if (e.begin < pos) {
      throw new Error(
        `${source}: tensor "${e.name}" data_offsets [${e.begin}, ${e.end}] overlap tensor "${prev?.name}" [${prev?.begin}, ${prev?.end}]`,
      );
    }
    if (e.begin > pos)
      throw new Error(
        `${source}: ${e.begin - pos} unindexed bytes before tensor "${e.name}" (gap at ${pos})`,
      );
    pos = e.end;
    prev = e;
  }
  if (pos !== bufferLen)
    throw new Error(`${source}: ${bufferLen - pos} trailing bytes after the last tensor are not indexed`);
}

function readData(source: string, e: RawEntry, bytes: Uint8Array): Tensor {
  const copy = new Uint8Array(bytes.subarray(e.begin, e.end)); // aligned, owned copy (Buffer#slice would not copy)
  switch (e.dtype) {
    case "F32":
      return { dtype: "F32", shape: e.shape, data: new Float32Array(copy.buffer) };
    case "F64":
      return { dtype: "F64", shape: e.shape, data: new Float64Array(copy.buffer) };
    case "I32":
      return { dtype: "I32", shape: e.shape, data: new Int32Array(copy.buffer) };
    case "I64": {
      const wide = new BigInt64Array(copy.buffer);
      const out = new Int32Array(wide.length);
      for (let i = 0; i < wide.length; i++) {
        const x = wide[i];
        if (x > 2147483647n || x < -2147483648n) {
          throw new Error(
            `${source}: tensor "${e.name}" is I64 and element ${i} = ${x} does not fit in Int32`,
          );
        }
        out[i] = Number(x);
      }
      return { dtype: "I32", shape: e.shape, data: out };
    }
  }
}

/** Decodes and validates safetensors bytes; `source` (a file name) prefixes every error. */
export function decodeSafetensors(bytes: Uint8Array, source = "<buffer>"): SafetensorsContents {
  assertLittleEndianHost();
  const { header, dataStart } = parseHeader(bytes, source);
  const metadata = parseMetadata(source, header.__metadata__);
  const entries: RawEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name !== "__metadata__") entries.push(parseEntry(source, name, value));
  }
  const data = bytes.subarray(dataStart);
  checkCoverage(source, entries, data.length);
  entries.sort((a, b) => a.begin - b.begin);
  const tensors = new Map<string, Tensor>();
  for (const e of entries) tensors.set(e.name, readData(source, e, data));
  return { tensors, metadata };
}
