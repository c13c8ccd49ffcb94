/**
 * TopK SAE training steps for the benchmarks. `makeSaeStep` is the same computation as the naive dense
 * PyTorch variant (`sae` in bench/kernels-torch.py; the reference PyTorch step is the sparse-decode
 * `sae_sparse`): pre = x W_enc + b_enc, relu, keep the top k per row, decode z W_dec + b_dec, mean
 * squared error, backward, Adam step.
 */
import { makeSaeConfig } from "../src/sae/config.js";
import type { LossConfig } from "../src/sae/losses/types.js";
import { SparseAutoencoder } from "../src/sae/model.js";
import { Tape, param, type Variable } from "../src/tensor/autograd/index.js";
import { Matrix } from "../src/tensor/matrix.js";
import { Adam } from "../src/tensor/optim/index.js";
import { Rng } from "../src/tensor/rng.js";

/** Sizes of the SAE step. */
export interface SaeShape {
  batch: number;
  d: number;
  latents: number;
  k: number;
}

/** Builds the SAE parameters and a batch, and returns a function running one training step. */
export function makeSaeStep(shape: SaeShape, seed = 0): () => number {
  const { batch, d, latents, k } = shape;
  const rng = new Rng(seed);
  const normal = (rows: number, cols: number, std: number): Matrix => {
    const m = new Matrix(rows, cols);
    rng.fillNormal(m.data, 0, std);
    return m;
  };
  const x = normal(batch, d, 1);
  const wEnc = param(normal(d, latents, 0.02), "W_enc");
  const bEnc = param(Matrix.zeros(1, latents), "b_enc");
  const wDec = param(normal(latents, d, 0.02), "W_dec");
  const bDec = param(Matrix.zeros(1, d), "b_dec");
  const params: Variable[] = [wEnc, bEnc, wDec, bDec];
  const opt = new Adam(params, { lr: 1e-4 });
  return () => {
    const t = new Tape();
    const pre = t.add(t.matmul(x, wEnc), bEnc);
    const z = t.topkMask(t.relu(pre), k);
    const recon = t.add(t.matmul(z, wDec), bDec);
    const loss = t.mse(recon, x);
    opt.zeroGrad();
    t.backward(loss);
    opt.step();
    return loss.item();
  };
}

/** Floating-point work of one step's five gemms (encoder, decoder, and three in the backward pass). */
export function saeStepFlops(shape: SaeShape): number {
  return 5 * 2 * shape.batch * shape.d * shape.latents;
}

/**
 * One training step of the library's own TopK SAE (src/sae: forward, hand-written sparse backward,
 * decoder-gradient projection, Adam with beta2 0.99, decoder renormalisation) on a fixed batch.
 * `densityThreshold` picks the sparse (2 = always) or dense (0 = never sparse) path; `losses`
 * defaults to plain L2; `dead` marks latents for AuxK.
 */
export function makeLibrarySaeStep(
  shape: SaeShape,
  opts: { architecture?: string; densityThreshold?: number; losses?: LossConfig; dead?: Uint8Array } = {},
): () => void {
  const x = new Matrix(shape.batch, shape.d);
  new Rng(1).fillNormal(x.data);
  const sae = new SparseAutoencoder(
    makeSaeConfig(opts.architecture ?? "topk", shape.d, shape.latents, { k: shape.k, normalisation: "none" }),
    0,
  );
  sae.initialise(x);
  if (opts.densityThreshold !== undefined) sae.densityThreshold = opts.densityThreshold;
  const opt = new Adam(Object.values(sae.params), { lr: 1e-4, beta2: 0.99 });
  const rng = new Rng(2);
  const losses = opts.losses ?? { l2: { weight: 1 } };
  const dead = opts.dead ?? null;
  return () => {
    sae.zeroGrad();
    sae.forwardBackward(x, losses, { rng, dead });
    sae.constrainGradients();
    opt.step();
    sae.afterStep();
  };
}
