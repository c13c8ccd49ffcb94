import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors } from "../../store/safetensors.js";

/**
 * Test oracles: what SAELens v6 and EleutherAI sparsify compute from the files of an SAE folder,
 * written from their documented formulas with plain loops in float64 (no reclens SAE code, no
 * numpy). Rows are number arrays; codes are dense rows x d_sae.
 */

type Tensors = Record<string, { shape: number[]; data: ArrayLike<number> }>;

function tensorsOf(path: string): Tensors {
  const out: Tensors = {};
  for (const [name, t] of readSafetensors(path).tensors) out[name] = { shape: [...t.shape], data: t.data };
  return out;
}

function topKRelu(pre: number[], k: number): number[] {
  const order = pre.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const z = new Array<number>(pre.length).fill(0);
  for (let t = 0; t < Math.min(k, pre.length); t++) z[order[t][1]] = Math.max(0, order[t][0]);
  return z;
}

/**
 * SAELens v6 `SAE.load_from_disk(dir)` then `encode`/`decode` of each row: process_sae_in (layer_norm:
 * centre, divide by torch's unbiased std + 1e-5; subtract b_dec when apply_b_dec_to_input), pre =
 * x W_enc + b_enc (topk: times ||W_dec[j]|| when rescale_acts_by_decoder_norm), then standard: ReLU;
 * topk: top-k then ReLU; jumprelu: ReLU(pre) * (pre > threshold). Decode: z W_dec + b_dec (topk
 * rescale: z / ||W_dec[j]||), then layer_norm out: * std + mean.
 */
export function saelensForward(dir: string, rows: number[][]): { codes: number[][]; recon: number[][] } {
  const cfg = JSON.parse(readFileSync(join(dir, "cfg.json"), "utf8")) as Record<string, unknown>;
  const t = tensorsOf(join(dir, "sae_weights.safetensors"));
  const dIn = cfg.d_in as number;
  const dSae = cfg.d_sae as number;
  const apply = cfg.apply_b_dec_to_input !== false;
  const ln = cfg.normalize_activations === "layer_norm";
  const rescale = cfg.architecture === "topk" && cfg.rescale_acts_by_decoder_norm === true;
  const norms = Array.from({ length: dSae }, (_, j) => {
    let s = 0;
    for (let c = 0; c < dIn; c++) s += t.W_dec.data[j * dIn + c] ** 2;
    return Math.sqrt(s);
  });
  const codes: number[][] = [];
  const recon: number[][] = [];
  for (const y of rows) {
    let x = y.slice();
    let mu = 0;
    let std = 1;
    if (ln) {
      mu = x.reduce((a, b) => a + b, 0) / dIn;
      x = x.map((v) => v - mu);
      std = Math.sqrt(x.reduce((a, v) => a + v * v, 0) / (dIn - 1));
      x = x.map((v) => v / (std + 1e-5));
    }
    if (apply) x = x.map((v, c) => v - t.b_dec.data[c]);
    const pre = Array.from({ length: dSae }, (_, j) => {
      let s = t.b_enc.data[j];
      for (let c = 0; c < dIn; c++) s += x[c] * t.W_enc.data[c * dSae + j];
      return rescale ? s * norms[j] : s;
    });
    let z: number[];
    if (cfg.architecture === "standard") z = pre.map((v) => Math.max(0, v));
    else if (cfg.architecture === "topk") z = topKRelu(pre, cfg.k as number);
    else if (cfg.architecture === "jumprelu")
      z = pre.map((v, j) => (v > t.threshold.data[j] ? Math.max(0, v) : 0));
    else throw new Error(`saelensForward: architecture ${String(cfg.architecture)}`);
    codes.push(z);
    const out = Array.from({ length: dIn }, (_, c) => {
      let s = t.b_dec.data[c];
      for (let j = 0; j < dSae; j++)
        if (z[j] !== 0) s += (rescale ? z[j] / norms[j] : z[j]) * t.W_dec.data[j * dIn + c];
      return ln ? s * std + mu : s;
    });
    recon.push(out);
  }
  return { codes, recon };
}

/**
 * sparsify `SparseCoder.load_from_disk(dir)`: encode = top-k of ReLU((x - b_dec) encoder.weight^T +
 * encoder.bias) (k from cfg.json); decode = z W_dec + b_dec.
 */
export function sparsifyForward(dir: string, rows: number[][]): { codes: number[][]; recon: number[][] } {
  const cfg = JSON.parse(readFileSync(join(dir, "cfg.json"), "utf8")) as Record<string, unknown>;
  const t = tensorsOf(join(dir, "sae.safetensors"));
  const dIn = cfg.d_in as number;
  const dSae = (cfg.num_latents as number) || dIn * (cfg.expansion_factor as number);
  const codes: number[][] = [];
  const recon: number[][] = [];
  for (const y of rows) {
    const x = y.map((v, c) => v - t.b_dec.data[c]);
    const pre = Array.from({ length: dSae }, (_, j) => {
      let s = t["encoder.bias"].data[j];
      for (let c = 0; c < dIn; c++) s += x[c] * t["encoder.weight"].data[j * dIn + c];
      return Math.max(0, s);
    });
    const z = topKRelu(pre, cfg.k as number);
    codes.push(z);
    recon.push(
      Array.from({ length: dIn }, (_, c) => {
        let s = t.b_dec.data[c];
        for (let j = 0; j < dSae; j++) s += z[j] * t.W_dec.data[j * dIn + c];
        return s;
      }),
    );
  }
  return { codes, recon };
}
