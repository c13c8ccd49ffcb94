"""PyTorch side of bench/lightgcn-epoch.ts: times LightGCN training epochs on an S3-Rec sequence file.

Run as `python3 bench/lightgcn-torch.py <request.json>`; the request holds
  {"file", "threads", "epochs", "dim", "layers", "batch", "lr", "reg", "seed"}
and the script prints one JSON line: {"torch", "threads", "epochSec": [...], "batches", "edges", "loss"}.

LightGCN as RecBole writes it (He et al. 2020): one embedding table for users and items, the
symmetric-normalised bipartite adjacency D^-1/2 A D^-1/2 as a torch.sparse tensor, `layers`
propagations with torch.sparse.mm over the whole graph at every batch, the mean of layers 0..K as the
final embeddings, BPR with one uniform negative per positive, L2 on the batch's ego embeddings,
Adam. Training data are the leave-one-out training parts (each line without its last two items).
"""
import json
import sys
import time

import numpy as np
import torch


def training_pairs(path):
    users, items, n_users, n_items = [], [], 0, 0
    with open(path) as f:
        for line in f:
            tok = [int(t) for t in line.split()]
            u, seq = tok[0] - 1, [i - 1 for i in tok[1:]]
            n_users, n_items = max(n_users, u + 1), max(n_items, max(seq) + 1)
            train = seq[:-2] if len(seq) >= 3 else seq
            users += [u] * len(train)
            items += train
    return np.array(users), np.array(items), n_users, n_items


def normalised_adjacency(users, items, n_users, n_items):
    n = n_users + n_items
    rows = np.concatenate([users, items + n_users])
    cols = np.concatenate([items + n_users, users])
    deg = np.bincount(rows, minlength=n).astype(np.float32)
    inv = np.power(np.maximum(deg, 1e-12), -0.5)
    vals = inv[rows] * inv[cols]
    idx = torch.from_numpy(np.vstack([rows, cols]))
    return torch.sparse_coo_tensor(idx, torch.from_numpy(vals.astype(np.float32)), (n, n)).coalesce()


def main():
    req = json.load(open(sys.argv[1]))
    torch.set_num_threads(int(req["threads"]))
    torch.manual_seed(int(req["seed"]))
    users, items, n_users, n_items = training_pairs(req["file"])
    adj = normalised_adjacency(users, items, n_users, n_items)
    emb = torch.nn.Embedding(n_users + n_items, int(req["dim"]))
    torch.nn.init.xavier_uniform_(emb.weight)
    opt = torch.optim.Adam(emb.parameters(), lr=float(req["lr"]))
    reg, layers, bsz = float(req["reg"]), int(req["layers"]), int(req["batch"])
    gen = torch.Generator().manual_seed(int(req["seed"]))
    u_all, i_all = torch.from_numpy(users), torch.from_numpy(items)
    epoch_sec, loss_value, batches = [], float("nan"), 0
    for _ in range(int(req["epochs"])):
        order = torch.randperm(len(users), generator=gen)
        t0 = time.perf_counter()
        batches = 0
        for s in range(0, len(users), bsz):
            ids = order[s : s + bsz]
            u, pos = u_all[ids], i_all[ids]
            neg = torch.randint(0, n_items, pos.shape, generator=gen)
            x = emb.weight
            acc = [x]
            for _ in range(layers):
                x = torch.sparse.mm(adj, x)
                acc.append(x)
            final = torch.stack(acc, dim=1).mean(dim=1)
            fu, fi = final[:n_users], final[n_users:]
            pos_s = (fu[u] * fi[pos]).sum(-1)
            neg_s = (fu[u] * fi[neg]).sum(-1)
            bpr = -torch.nn.functional.logsigmoid(pos_s - neg_s).mean()
            ego = emb.weight
            l2 = (ego[u].pow(2).sum() + ego[n_users + pos].pow(2).sum() + ego[n_users + neg].pow(2).sum()) / 2
            loss = bpr + reg * l2 / len(ids)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            batches += 1
        epoch_sec.append(time.perf_counter() - t0)
        loss_value = float(loss.detach())
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "epochSec": epoch_sec,
                "batches": batches,
                "edges": int(len(users)),
                "loss": loss_value,
            }
        )
    )


if __name__ == "__main__":
    main()
