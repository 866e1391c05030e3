"""PyTorch baseline for prefill throughput (float32, CPU).

    /usr/bin/python3 scripts/reference/bench_forward.py --shape stories260K --tokens 256 --threads 2

Builds a model of the given shape with seeded random float32 weights, then times
--reps repetitions (reporting the median one) of llama_ref.forward over T tokens (vectorised over the sequence: full causal
attention, logits for every position) under torch.no_grad. Prints one JSON line:
{"impl":"pytorch","torch":...,"shape":...,"tokens":T,"threads":n,"prefill_tokens_per_s":...}
"""

import argparse
import json
import os
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
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    warn_if_reference_blas()
    cfg = make_config(args.shape)
    w = random_weights(cfg)
    ids = torch.randint(0, cfg["vocab_size"], (args.tokens,), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        for _ in range(args.warmup):
            llama_ref.forward(cfg, w, ids)
        times = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            logits = llama_ref.forward(cfg, w, ids)
            times.append(time.perf_counter() - t0)
    times.sort()
    median = times[len(times) // 2]  # the median repetition: robust on a shared machine
    assert logits.shape == (args.tokens, cfg["vocab_size"]) and torch.isfinite(logits).all()
    print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "shape": args.shape,
                      "tokens": args.tokens, "threads": torch.get_num_threads(), "blas": blas_info(), "openblas_core": openblas_core.core_name(), "optimised_blas": optimised_blas(), "allocator": allocator.describe(), "reps": args.reps,
                      "prefill_tokens_per_s": round(args.tokens / median, 1),
                      "prefill_tokens_per_s_best": round(args.tokens / times[0], 1)}))


if __name__ == "__main__":
    main()
