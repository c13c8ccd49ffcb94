import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import {
  decodeSafetensors,
  encodeSafetensors,
  matrixFromTensor,
  readSafetensors,
  tensorFromMatrix,
  writeSafetensors,
} from "./safetensors.js";

const dir = mkdtempSync(join(tmpdir(), "reclens-st-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Builds a safetensors byte buffer by hand from a header object and raw data bytes. */
function handBuilt(header: unknown, data: number[], lengthOverride?: number): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(lengthOverride ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("safetensors", () => {
  it("encodes a tiny tensor byte-for-byte as the format specifies", () => {
    const bytes = encodeSafetensors({ w: { shape: [2], data: new Float32Array([1.5, -2]) } });
    const header = '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 54 chars, padded to 56
    const expected = [
      0x38,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // header length 56, u64 little-endian
      ...Buffer.from(header + "  ", "utf8"),
      0x00,
      0x00,
      0xc0,
      0x3f, // 1.5f = 0x3fc00000
      0x00,
      0x00,
      0x00,
      0xc0, // -2f  = 0xc0000000
    ];
    expect(Array.from(bytes)).toEqual(expected);
    expect(bytes.length).toBe(72);
  });

  it("round-trips matrices, int tensors and metadata through a file bit-exactly", () => {
    const m = Matrix.fromRows([
      [1, -0.1, 3.25],
      [Number.MIN_VALUE, 1e30, -7],
    ]);
    const ids = new Int32Array([5, -3, 2147483647, -2147483648]);
    const path = join(dir, "rt.safetensors");
    writeSafetensors(
      path,
      {
        m: tensorFromMatrix(m),
        ids: { shape: [2, 2], data: ids },
        empty: { shape: [0, 4], data: new Float32Array(0) },
      },
      {
        model: "ease",
        note: "ünïcode",
      },
    );
    const back = readSafetensors(path);
    expect(back.metadata).toEqual({ model: "ease", note: "ünïcode" });
    expect([...back.tensors.keys()]).toEqual(["m", "ids", "empty"]);
    const m2 = matrixFromTensor(back, "m", path);
    expect(m2.shape).toBe("2x3");
    expect(Buffer.from(m2.data.buffer).equals(Buffer.from(m.data.buffer))).toBe(true);
    const ids2 = back.tensors.get("ids");
    expect(ids2?.dtype).toBe("I32");
    expect(Array.from(ids2?.data ?? [])).toEqual([5, -3, 2147483647, -2147483648]);
    expect(back.tensors.get("empty")?.shape).toEqual([0, 4]);
    // No temporary files are left behind by the atomic write.
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("reads F64 and I64 tensors written by other tools", () => {
    const f64 = new Float64Array([Math.PI, -1e-300]);
    const i64 = new BigInt64Array([7n, -9n, 2147483647n]);
    const data = [...new Uint8Array(f64.buffer), ...new Uint8Array(i64.buffer)];
    const bytes = handBuilt(
      {
        a: { dtype: "F64", shape: [2], data_offsets: [0, 16] },
        b: { dtype: "I64", shape: [3], data_offsets: [16, 40] },
      },
      data,
    );
    const back = decodeSafetensors(bytes, "x.safetensors");
    expect(Array.from(back.tensors.get("a")?.data ?? [])).toEqual([Math.PI, -1e-300]);
    const b = back.tensors.get("b");
    expect(b?.dtype).toBe("I32");
    expect(Array.from(b?.data ?? [])).toEqual([7, -9, 2147483647]);
  });

  it("rejects inherited property names as dtypes (a plain-object `in` check accepted them)", () => {
    for (const dtype of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const bytes = handBuilt({ a: { dtype, shape: [1], data_offsets: [0, 4] } }, [0, 0, 128, 63]);
      expect(() => decodeSafetensors(bytes, "f.st")).toThrow(`f.st: tensor "a": bad dtype "${dtype}"`);
    }
  });

  it("rejects an I64 value that does not fit in Int32", () => {
    const i64 = new BigInt64Array([1n, 2147483648n]);
    const bytes = handBuilt({ big: { dtype: "I64", shape: [2], data_offsets: [0, 16] } }, [
      ...new Uint8Array(i64.buffer),
    ]);
    expect(() => decodeSafetensors(bytes, "f.st")).toThrow(
      'f.st: tensor "big" is I64 and element 1 = 2147483648 does not fit in Int32',
    );
  });

  it("rejects corrupt files with messages naming file, tensor and problem", () => {
    const four = [0, 0, 128, 63];
    const f = "bad.safetensors";
    expect(() => decodeSafetensors(new Uint8Array(5), f)).toThrow("bad.safetensors: truncated file (5 bytes");
    expect(() =>
      decodeSafetensors(handBuilt({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, four, 500), f),
    ).toThrow("truncated file (header says 500 header bytes");
    expect(() =>
      decodeSafetensors(handBuilt({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, four), f),
    ).toThrow('bad.safetensors: tensor "a" data_offsets [0, 8] out of range (data buffer is 4 bytes');
    expect(() =>
      decodeSafetensors(
        handBuilt(
          {
            a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
            b: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
          },
          four,
        ),
        f,
      ),
    ).toThrow('tensor "b" data_offsets [0, 4] overlap tensor "a" [0, 4]');
    expect(() =>
      decodeSafetensors(
        handBuilt({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, [...four, ...four]),
        f,
      ),
    ).toThrow('4 unindexed bytes before tensor "a"');
    expect(() =>
      decodeSafetensors(
        handBuilt({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, [...four, ...four]),
        f,
      ),
    ).toThrow("4 trailing bytes");
    expect(() =>
      decodeSafetensors(handBuilt({ a: { dtype: "F33", shape: [1], data_offsets: [0, 4] } }, four), f),
    ).toThrow('tensor "a": bad dtype "F33"');
    expect(() =>
      decodeSafetensors(handBuilt({ a: { dtype: "BF16", shape: [2], data_offsets: [0, 4] } }, four), f),
    ).toThrow('tensor "a": dtype BF16 is not supported');
    expect(() =>
      decodeSafetensors(handBuilt({ a: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, four), f),
    ).toThrow("span 4 bytes but F32 shape [2] needs 8");
    expect(() =>
      decodeSafetensors(handBuilt({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, four), f),
    ).toThrow("bad shape [-1]");
    expect(() => decodeSafetensors(handBuilt({ __metadata__: { k: 3 } }, []), f)).toThrow(
      '__metadata__ "k" is 3, expected a string',
    );
    const notJson = handBuilt({}, []);
    notJson[9] = 0x7b; // "{{"
    expect(() => decodeSafetensors(notJson, f)).toThrow("header is not valid JSON");
  });

  it("reports a truncated file on disk by its path", () => {
    const path = join(dir, "cut.safetensors");
    writeSafetensors(path, { a: { shape: [4], data: new Float32Array([1, 2, 3, 4]) } });
    const full = readFileSync(path);
    writeFileSync(path, full.subarray(0, full.length - 3));
    expect(() => readSafetensors(path)).toThrow(
      `${path}: tensor "a" data_offsets [0, 16] out of range (data buffer is 13 bytes`,
    );
  });

  it("refuses to write inconsistent tensors", () => {
    expect(() => encodeSafetensors({ a: { shape: [3], data: new Float32Array(2) } })).toThrow(
      'tensor "a" has 2 values but shape [3]',
    );
    expect(() => encodeSafetensors({ __metadata__: { shape: [0], data: new Float32Array(0) } })).toThrow(
      "reserved",
    );
  });
});
