/**
 * Test helper (not a test): in a process of its own, opens the usearch item index in the directory
 * argv[2] over the raw float32 item matrix and bias files the test wrote there (items.f32, bias.f32,
 * width argv[4]) and prints the top-20 of the queries in the JSON file argv[3], items 0 and 1
 * excluded (src/index/usearch.test.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Matrix } from "../tensor/matrix.js";
import { UsearchItemIndex } from "./usearch.js";

const [dir, queriesPath, width] = process.argv.slice(2);
const f32 = (name: string): Float32Array => {
  const b = readFileSync(join(dir, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const data = f32("items.f32");
const d = Number(width);
const index = UsearchItemIndex.open(dir, new Matrix(data.length / d, d, data), f32("bias.f32"));
const queries = JSON.parse(readFileSync(queriesPath, "utf8")) as number[][];
const out = queries.map((q) => {
  const h = index.topKSync(Float32Array.from(q), 20, [0, 1]);
  return { items: Array.from(h.items), scores: Array.from(h.scores) };
});
process.stdout.write(JSON.stringify(out));
