"""PyTorch side of bench/kernels.ts: a small server timing gemms and the TopK SAE training step.

Run as `python3 bench/kernels-torch.py <threads>` with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS set to
the same count (PyTorch's BLAS reads them at load time). Reads one JSON request per line on stdin,
answers one JSON line on stdout:
  {"op": "gemm", "m", "k", "n", "warmup", "repeats"}            -> {"ms": median, "gflops"}
  {"op": "sae_sparse", "batch", "d", "latents", "k", "warmup", "repeats"} -> {"ms": median, "cpu_ms": median}
  {"op": "sae", ...same fields}                                  -> {"ms": median, "cpu_ms": median}
"sae_sparse" is the reference: the TopK SAE step as sparsify writes it without Triton (its FusedEncoder
autograd Function, backward on the k active latents only; decoder through F.embedding_bag).
"sae_sparse_autograd" decodes the same way but lets autograd differentiate a dense encoder.
"sae" is the naive dense variant (a dense code matrix and five dense products), kept only to show how
much the sparse paths matter.
The first line written is {"torch": version, "threads": n}.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def median_ms(fn, warmup, repeats):
    return timed(fn, warmup, repeats)[0]


def timed(fn, warmup, repeats):
    """Median wall ms and median process CPU ms (all threads) of `repeats` runs after `warmup`."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t0) * 1000.0)
        cpu.append((time.process_time() - c0) * 1000.0)
    return statistics.median(wall), statistics.median(cpu)


def time_gemm(req):
    m, k, n = req["m"], req["k"], req["n"]
    a = torch.randn(m, k)
    b = torch.randn(k, n)
    c = torch.empty(m, n)
    ms = median_ms(lambda: torch.mm(a, b, out=c), req["warmup"], req["repeats"])
    return {"ms": ms, "gflops": 2.0 * m * n * k / (ms * 1e6)}


SAE_CACHE = {}


def sae_step(batch, d, latents, k):
    """x @ W_enc + b_enc, relu, top-k, scatter, decode, MSE, backward, Adam step."""
    key = (batch, d, latents, k)
    if key in SAE_CACHE:
        return SAE_CACHE[key]
    torch.manual_seed(0)
    x = torch.randn(batch, d)
    w_enc = (torch.randn(d, latents) * 0.02).requires_grad_()
    b_enc = torch.zeros(latents, requires_grad=True)
    w_dec = (torch.randn(latents, d) * 0.02).requires_grad_()
    b_dec = torch.zeros(d, requires_grad=True)
    opt = torch.optim.Adam([w_enc, b_enc, w_dec, b_dec], lr=1e-4)

    def step():
        pre = x @ w_enc + b_enc
        act = torch.relu(pre)
        vals, idx = torch.topk(act, k, dim=1)
        z = torch.zeros_like(act).scatter(1, idx, vals)
        recon = z @ w_dec + b_dec
        loss = ((recon - x) ** 2).mean()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()

    SAE_CACHE[key] = step
    return step


class FusedEncoder(torch.autograd.Function):
    """sparsify's fused_encoder.py (TopK branch), eager (torch 1.13 has no torch.compile): forward
    relu(linear) and top-k; backward only on the k selected latents (embedding_bag for the input
    gradient, index_add_ for the weight and bias gradients). weight is (latents, d) as nn.Linear's."""

    @staticmethod
    def forward(ctx, inp, weight, bias, k):
        pre = F.relu(F.linear(inp, weight, bias))
        values, indices = torch.topk(pre, k, dim=-1, sorted=False)
        ctx.save_for_backward(inp, weight, indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        inp, weight, indices = ctx.saved_tensors
        grad_input = F.embedding_bag(indices, weight, mode="sum", per_sample_weights=grad_values)
        contributions = (grad_values.unsqueeze(2) * inp.unsqueeze(1)).reshape(-1, inp.shape[1])
        grad_weight = torch.zeros_like(weight).index_add_(0, indices.flatten(), contributions)
        grad_bias = weight.new_zeros(weight.shape[0]).index_add_(0, indices.flatten(), grad_values.flatten())
        return grad_input, grad_weight, grad_bias, None


SPARSE_CACHE = {}


def sae_sparse_step(batch, d, latents, k, fused=True):
    """The reference step, as EleutherAI sparsify writes it without Triton: encoder on x - b_dec
    through FusedEncoder (fused=True; False: plain autograd through a dense linear + relu + topk),
    decode with F.embedding_bag(indices, W_dec, per_sample_weights=values), MSE, backward, decoder
    gradient made orthogonal to the unit decoder rows, Adam (beta2 0.99, as src/sae's bench step),
    decoder rows renormalised. Init as src/sae: W_dec unit rows, encoder weight = W_dec."""
    key = (batch, d, latents, k, fused)
    if key in SPARSE_CACHE:
        return SPARSE_CACHE[key]
    torch.manual_seed(0)
    x = torch.randn(batch, d)
    w_dec = torch.randn(latents, d) / d**0.5
    w_dec /= w_dec.norm(dim=1, keepdim=True)
    w_dec.requires_grad_()
    w_enc = w_dec.detach().clone().requires_grad_()  # (latents, d), nn.Linear layout
    b_enc = torch.zeros(latents, requires_grad=True)
    b_dec = x.mean(0).clone().requires_grad_()
    opt = torch.optim.Adam([w_enc, b_enc, w_dec, b_dec], lr=1e-4, betas=(0.9, 0.99))

    def step():
        if fused:
            vals, idx = FusedEncoder.apply(x - b_dec, w_enc, b_enc, k)
        else:
            pre = F.relu(F.linear(x - b_dec, w_enc, b_enc))
            vals, idx = torch.topk(pre, k, dim=1, sorted=False)
        recon = F.embedding_bag(idx, w_dec, per_sample_weights=vals, mode="sum") + b_dec
        loss = ((recon - x) ** 2).mean()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        with torch.no_grad():
            g = w_dec.grad
            g -= (g * w_dec).sum(1, keepdim=True) * w_dec
        opt.step()
        with torch.no_grad():
            w_dec.div_(w_dec.norm(dim=1, keepdim=True))

    SPARSE_CACHE[key] = step
    return step


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "gemm":
            out = time_gemm(req)
        elif req["op"] in ("sae", "sae_sparse", "sae_sparse_autograd"):
            shape = (req["batch"], req["d"], req["latents"], req["k"])
            if req["op"] == "sae":
                step = sae_step(*shape)
            else:
                step = sae_sparse_step(*shape, fused=req["op"] == "sae_sparse")
            ms, cpu_ms = timed(step, req["warmup"], req["repeats"])
            out = {"ms": ms, "cpu_ms": cpu_ms}
        else:
            out = {"error": f"unknown op {req['op']}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
