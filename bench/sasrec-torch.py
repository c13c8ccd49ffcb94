"""PyTorch side of bench/sasrec-epoch.ts: times SASRec training epochs on an S3-Rec sequence file.

Run as `python3 bench/sasrec-torch.py <request.json>`; the request holds
  {"file", "threads", "epochs", "dim", "blocks", "heads", "maxLen", "dropout", "batch", "lr", "loss", "seed"}
and the script prints one JSON line: {"torch", "threads", "epochSec": [...], "batches", "positions", "loss"}.

The model is SASRec as its common PyTorch port writes it (Kang & McAuley 2018): item embeddings
(padding id 0) scaled by sqrt(d) plus learned positions, embedding dropout, padding positions zeroed,
`blocks` blocks of LayerNorm -> causal nn.MultiheadAttention (query from the normalised states, keys
and values from the block input) -> residual on the query -> LayerNorm -> point-wise feed-forward
(Linear, ReLU, Dropout, Linear, Dropout) with a residual, a final LayerNorm. Training data are the
leave-one-out training parts (each line without its last two items), truncated to the last maxLen + 1
items; inputs are s[:-1], targets s[1:], left-padded; batches are length-bucketed and cut to their
longest sequence (position embeddings keep each item's index in the maxLen window), so the
transformer runs on few padded positions. Loss "ce": cross-entropy over all items at the
non-padding positions only (logits for those positions, as reclens computes them); "bce": one uniform
negative per position.
"""
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SASRec(nn.Module):
    def __init__(self, n_items, d, blocks, heads, max_len, dropout):
        super().__init__()
        self.d = d
        self.item_emb = nn.Embedding(n_items + 1, d, padding_idx=0)
        self.pos_emb = nn.Embedding(max_len, d)
        self.emb_drop = nn.Dropout(dropout)
        self.attn_ln = nn.ModuleList([nn.LayerNorm(d, eps=1e-8) for _ in range(blocks)])
        self.attn = nn.ModuleList([nn.MultiheadAttention(d, heads, dropout=dropout) for _ in range(blocks)])
        self.ffn_ln = nn.ModuleList([nn.LayerNorm(d, eps=1e-8) for _ in range(blocks)])
        self.ffn = nn.ModuleList(
            [
                nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Dropout(dropout), nn.Linear(d, d), nn.Dropout(dropout))
                for _ in range(blocks)
            ]
        )
        self.last_ln = nn.LayerNorm(d, eps=1e-8)

    def forward(self, seqs, first_position=0):
        b, length = seqs.shape
        x = self.item_emb(seqs) * math.sqrt(self.d)
        x = x + self.pos_emb(torch.arange(first_position, first_position + length).unsqueeze(0).expand(b, -1))
        x = self.emb_drop(x)
        keep = (seqs != 0).unsqueeze(-1)
        x = x * keep
        causal = ~torch.tril(torch.ones(length, length, dtype=torch.bool))
        for ln_a, attn, ln_f, ffn in zip(self.attn_ln, self.attn, self.ffn_ln, self.ffn):
            q = ln_a(x)
            out, _ = attn(q.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1), attn_mask=causal, need_weights=False)
            x = q + out.transpose(0, 1)
            x = ln_f(x)
            x = x + ffn(x)
            x = x * keep
        return self.last_ln(x)


def training_rows(path, max_len):
    rows, n_items = [], 0
    with open(path) as f:
        for line in f:
            items = [int(t) for t in line.split()[1:]]
            n_items = max(n_items, max(items))
            train = items[:-2] if len(items) >= 3 else items
            if len(train) >= 2:
                rows.append(train[-(max_len + 1) :])
    return rows, n_items


def main():
    req = json.load(open(sys.argv[1]))
    torch.set_num_threads(int(req["threads"]))
    torch.manual_seed(int(req["seed"]))
    max_len = int(req["maxLen"])
    rows, n_items = training_rows(req["file"], max_len)
    inputs = np.zeros((len(rows), max_len), dtype=np.int64)
    targets = np.zeros((len(rows), max_len), dtype=np.int64)
    for r, s in enumerate(rows):
        n = len(s) - 1
        inputs[r, max_len - n :] = s[:-1]
        targets[r, max_len - n :] = s[1:]
    inputs, targets = torch.from_numpy(inputs), torch.from_numpy(targets)
    model = SASRec(n_items, int(req["dim"]), int(req["blocks"]), int(req["heads"]), max_len, float(req["dropout"]))
    opt = torch.optim.Adam(model.parameters(), lr=float(req["lr"]), betas=(0.9, 0.98))
    bsz = int(req["batch"])
    gen = torch.Generator().manual_seed(int(req["seed"]))
    epoch_sec, loss_value, batches = [], float("nan"), 0
    positions = int((targets != 0).sum())
    model.train()
    lengths = torch.tensor([len(s) - 1 for s in rows])
    for _ in range(int(req["epochs"])):
        # Length bucketing: sequences sorted by length (random order within a length) form the
        # batches, which are visited in random order; each batch is cut to its longest sequence, so
        # padded positions are few (reclens packs sequences and computes no padded position at all).
        shuffled = torch.randperm(len(rows), generator=gen)
        by_length = shuffled[torch.argsort(lengths[shuffled], stable=True)]
        batch_ids = [by_length[s : s + bsz] for s in range(0, len(rows), bsz)]
        t0 = time.perf_counter()
        batches = 0
        for b in torch.randperm(len(batch_ids), generator=gen).tolist():
            ids = batch_ids[b]
            width = int(lengths[ids].max())
            seq, tgt = inputs[ids, max_len - width :], targets[ids, max_len - width :]
            h = model(seq, max_len - width)
            mask = tgt != 0
            hm, tm = h[mask], tgt[mask]
            if req["loss"] == "ce":
                logits = hm @ model.item_emb.weight[1:].T
                loss = F.cross_entropy(logits, tm - 1)
            else:
                neg = torch.randint(1, n_items + 1, tm.shape, generator=gen)
                pos_logit = (hm * model.item_emb(tm)).sum(-1)
                neg_logit = (hm * model.item_emb(neg)).sum(-1)
                loss = F.binary_cross_entropy_with_logits(
                    torch.cat([pos_logit, neg_logit]), torch.cat([torch.ones_like(pos_logit), torch.zeros_like(neg_logit)])
                )
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
                "positions": positions,
                "loss": loss_value,
            }
        )
    )


if __name__ == "__main__":
    main()
