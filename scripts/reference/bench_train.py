"""PyTorch baseline for training throughput (float32, CPU).

    /usr/bin/python3 scripts/reference/bench_train.py --shape stories260K --batch 8 --seq 256 --threads 2

Seeded random float32 weights of the given shape; each step is
llama_ref.forward on [batch, seq] ids, mean cross-entropy against random
targets, backward, and a torch.optim.AdamW step (lr 1e-3, betas (0.9, 0.95),
weight decay 0.1 on 2-D matrices except the embedding). After warm-up steps it
times --steps steps (reporting the median step) and prints one JSON line:
{"impl":"pytorch","torch":...,"shape":...,"batch":B,"seq":T,"threads":n,
 "train_tokens_per_s":...,"peak_rss_mb":...}
"""

import argparse
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import allocator  # noqa: E402  (re-executes under tcmalloc when installed, before torch loads)
import openblas_core  # noqa: E402  (sets OPENBLAS_CORETYPE before torch loads OpenBLAS)
import torch  # noqa: E402

import llama_ref  # noqa: E402
from bench_common import SHAPES, blas_info, optimised_blas, warn_if_reference_blas, make_config, random_weights  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", choices=sorted(SHAPES), default="stories260K")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    warn_if_reference_blas()
    cfg = make_config(args.shape)
    params = {k: v.requires_grad_(True) for k, v in random_weights(cfg).items()}
    decay = [p for k, p in params.items() if p.dim() == 2 and k != "model.embed_tokens.weight"]
    no_decay = [p for k, p in params.items() if not (p.dim() == 2 and k != "model.embed_tokens.weight")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.95))
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, cfg["vocab_size"], (args.batch, args.seq), generator=g)
    y = torch.randint(0, cfg["vocab_size"], (args.batch, args.seq), generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        logits = llama_ref.forward(cfg, params, x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        opt.step()
        return float(loss)

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    times.sort()
    median = times[len(times) // 2]  # the median step: robust on a shared machine
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # ru_maxrss is KiB on Linux
    print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "shape": args.shape,
                      "batch": args.batch, "seq": args.seq, "threads": torch.get_num_threads(), "blas": blas_info(), "openblas_core": openblas_core.core_name(), "optimised_blas": optimised_blas(), "allocator": allocator.describe(),
                      "steps": args.steps, "last_loss": round(loss, 4),
                      "train_tokens_per_s": round(args.batch * args.seq / median, 1),
                      "train_tokens_per_s_best": round(args.batch * args.seq / times[0], 1),
                      "peak_rss_mb": round(peak_mb, 1)}))


if __name__ == "__main__":
    main()
