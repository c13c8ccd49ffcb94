"""PyTorch side of bench/kernels.ts: a small server timing gemms and the TopK SAE training step.

Run as `python3 bench/kernels-torch.py <threads>` with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS set to
the same count (PyTorch's BLAS reads them at load time). Reads one JSON request per line on stdin,
answers one JSON line on stdout:
  {"op": "gemm", "m", "k", "n", "warmup", "repeats"}            -> {"ms": median, "gflops"}
  {"op": "sae", "batch", "d", "latents", "k", "warmup", "repeats"} -> {"ms": median}
The first line written is {"torch": version, "threads": n}.
"""
import json
import statistics
import sys
import time

import torch


def median_ms(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(samples)


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


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "gemm":
            out = time_gemm(req)
        elif req["op"] == "sae":
            step = sae_step(req["batch"], req["d"], req["latents"], req["k"])
            out = {"ms": median_ms(step, req["warmup"], req["repeats"])}
        else:
            out = {"error": f"unknown op {req['op']}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
