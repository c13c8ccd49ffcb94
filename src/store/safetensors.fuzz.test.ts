import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParams, mutate, mutationsArb } from "../data/test-utils/fuzz.js";
import { decodeSafetensors, type SafetensorsContents } from "./safetensors.js";

/**
 * Fuzz test of the safetensors reader: a valid file with F32, F64, I32 and I64 tensors and metadata
 * gets random byte edits. Decoding must either throw a plain Error naming the source, or return
 * exactly what the mutated bytes say under the format (checked by the test's own reading: JSON
 * header, tensors covering the data buffer exactly), which is the original content whenever the
 * header parses to the same JSON and the data bytes are unchanged.
 */

const RUNS = 1500;
const SOURCE = "fuzz.safetensors";

/** A valid file built by hand (the writer only emits F32/I32), header padded to 8 bytes. */
function original(): Uint8Array {
  const parts: Buffer[] = [];
  const header: Record<string, unknown> = { __metadata__: { format: "pt", note: "fuzz" } };
  let offset = 0;
  const add = (name: string, dtype: string, shape: number[], bytes: Buffer): void => {
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  };
  add("w", "F32", [2, 3], Buffer.from(new Float32Array([1, -2.5, 3, 0.25, 1e30, -7]).buffer));
  add("b", "F64", [2], Buffer.from(new Float64Array([0.1, -1e300]).buffer));
  add("ids", "I32", [3], Buffer.from(new Int32Array([5, -3, 2147483647]).buffer));
  add("wide", "I64", [2], Buffer.from(new BigInt64Array([7n, -2147483648n]).buffer));
  add("empty", "F32", [0, 4], Buffer.alloc(0));
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, Buffer.from(json), ...parts]);
}

const BASE = original();
const BASE_CONTENTS = decodeSafetensors(BASE, SOURCE);

/** What the bytes hold by the test's own reading of the format, or null if they are not a valid file. */
function expected(bytes: Buffer): { header: Record<string, unknown>; contents: SafetensorsContents } | null {
  if (bytes.length < 8) return null;
  const n = Number(bytes.readBigUInt64LE(0));
  if (8 + n > bytes.length) return null;
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
  const data = bytes.subarray(8 + n);
  const tensors = new Map<
    string,
    { dtype: "F32" | "F64" | "I32"; shape: number[]; data: Float32Array | Float64Array | Int32Array }
  >();
  let covered = 0;
  for (const [name, v] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = v as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const [b, end] = e.data_offsets;
    const slice = new Uint8Array(data.subarray(b, end)).buffer;
    covered += end - b;
    if (e.dtype === "F32") tensors.set(name, { dtype: "F32", shape: e.shape, data: new Float32Array(slice) });
    else if (e.dtype === "F64")
      tensors.set(name, { dtype: "F64", shape: e.shape, data: new Float64Array(slice) });
    else if (e.dtype === "I32")
      tensors.set(name, { dtype: "I32", shape: e.shape, data: new Int32Array(slice) });
    else if (e.dtype === "I64")
      tensors.set(name, {
        dtype: "I32",
        shape: e.shape,
        data: Int32Array.from(new BigInt64Array(slice), Number),
      });
    else return null;
  }
  if (covered !== data.length) return null;
  return { header, contents: { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} } };
}

/** Tensors and metadata as plain values (NaN-safe comparison via Object.is in toEqual). */
function plain(c: SafetensorsContents): unknown {
  return {
    metadata: c.metadata,
    tensors: [...c.tensors].map(([k, t]) => [k, t.dtype, [...t.shape], Array.from(t.data)]).sort(),
  };
}

describe("safetensors reader under fuzzing", () => {
  it("throws a sourced Error or returns exactly what the mutated bytes hold", () => {
    const headerLen = Number(Buffer.from(BASE).readBigUInt64LE(0));
    const baseHeader = JSON.parse(
      Buffer.from(BASE)
        .subarray(8, 8 + headerLen)
        .toString("utf8"),
    ) as unknown;
    fc.assert(
      fc.property(mutationsArb(), (mutations) => {
        const bytes = mutate(Buffer.from(BASE), mutations, ",");
        let got: SafetensorsContents;
        try {
          got = decodeSafetensors(bytes, SOURCE);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
          expect((err as Error).constructor.name).toBe("Error");
          expect((err as Error).message.startsWith(`${SOURCE}: `)).toBe(true);
          return;
        }
        const want = expected(bytes);
        expect(want, "the reader accepted bytes that are not a valid file").not.toBeNull();
        expect(plain(got)).toEqual(plain(want?.contents as SafetensorsContents));
        const sameData =
          Buffer.compare(
            bytes.subarray(bytes.length - (BASE.length - 8 - headerLen)),
            Buffer.from(BASE).subarray(8 + headerLen),
          ) === 0;
        if (sameData && JSON.stringify(want?.header) === JSON.stringify(baseHeader))
          expect(plain(got)).toEqual(plain(BASE_CONTENTS));
      }),
      fuzzParams(RUNS),
    );
  });
});
