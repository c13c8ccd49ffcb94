"""PyTorch side of bench/models-scale.ts: times ELSA training epochs on the same data and settings.

Run as `python3 bench/models-elsa-torch.py <request.json>` with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS
set to the thread count. The request names a CSR written by the TS bench (`<prefix>.indptr` and
`<prefix>.indices`, raw little-endian int32; all values are 1) and the settings:
  {"prefix", "rows", "cols", "dim", "batch", "lr", "beta1", "beta2", "threads", "repeats", "seed"}
Prints one JSON line: {"torch": version, "threads": n, "epochSec": [..], "batches": n, "loss": last}.

The model follows the official ELSA code (github.com/recombee/ELSA): a parameter W (items x d),
A = normalize(W, dim=-1), P = x A A^T - x, loss = mse_loss(normalize(P, dim=-1), normalize(x, dim=-1)).
Each batch of sparse rows is densified before the forward pass, as the official trainer does.
The optimiser is Adam (the official code uses NAdam; reclens uses Adam, so both sides use Adam).
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def main():
    req = json.load(open(sys.argv[1]))
    torch.set_num_threads(int(req["threads"]))
    torch.manual_seed(int(req["seed"]))
    rows, cols = int(req["rows"]), int(req["cols"])
    indptr = np.fromfile(req["prefix"] + ".indptr", dtype="<i4").astype(np.int64)
    indices = np.fromfile(req["prefix"] + ".indices", dtype="<i4").astype(np.int64)
    assert indptr.shape[0] == rows + 1 and indices.shape[0] == indptr[-1], "CSR files do not match the request"
    d, bsz = int(req["dim"]), int(req["batch"])
    w = torch.empty(cols, d)
    torch.nn.init.xavier_uniform_(w)
    w.requires_grad_()
    opt = torch.optim.Adam([w], lr=req["lr"], betas=(req["beta1"], req["beta2"]), eps=1e-8)
    rng = np.random.default_rng(int(req["seed"]))
    epoch_sec = []
    loss_value = float("nan")
    batches = 0
    for _ in range(int(req["repeats"])):
        order = rng.permutation(rows)
        t0 = time.perf_counter()
        batches = 0
        for s in range(0, rows, bsz):
            ids = order[s : s + bsz]
            starts, ends = indptr[ids], indptr[ids + 1]
            lengths = ends - starts
            pos = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
            flat = np.repeat(np.arange(len(ids)) * cols, lengths) + indices[pos]
            x = torch.zeros(len(ids) * cols)
            x[torch.from_numpy(flat)] = 1.0
            x = x.view(len(ids), cols)
            a = F.normalize(w, dim=-1)
            p = (x @ a) @ a.T - x
            loss = F.mse_loss(F.normalize(p, dim=-1), F.normalize(x, dim=-1))
            opt.zero_grad(set_to_none=False)
            loss.backward()
            opt.step()
            batches += 1
        loss_value = float(loss.detach())
        epoch_sec.append(time.perf_counter() - t0)
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "epochSec": epoch_sec,
                "batches": batches,
                "loss": loss_value,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
