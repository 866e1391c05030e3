"""Reference perplexity of stories260K on the first 20,000 characters of tinystories-valid-head.

Writes src/test/resources/fixtures/stories260k-ppl.json: the token ids (BOS first; produced by
`./topiary tokenize`, whose ids are themselves checked against llama2.c's run.c in the Java tests),
and the mean negative log-likelihood computed by the independent float64 forward of llama_ref.py
with the sliding-window method documented in `topiary eval --help` (window 512, stride 256, and
window 512, stride 512). Run from the repository root:  /usr/bin/python3 scripts/reference/perplexity_ref.py
"""
import json, math, os, subprocess, sys
import torch

sys.path.insert(0, os.path.dirname(__file__))
import llama_ref  # noqa: E402

SHARED = os.path.join("..", "shared")


def windowed_nll(config, weights, ids, seq_len, stride):
    nll, count, prev_end, begin = 0.0, 0, 0, 0
    while prev_end < len(ids):
        end = min(begin + seq_len, len(ids))
        first = max(prev_end, begin + 1)
        if first < end:
            logits = llama_ref.forward(config, weights, torch.tensor(ids[begin:end]))
            logp = torch.log_softmax(logits, dim=-1)
            for t in range(first, end):
                nll -= float(logp[t - begin - 1, ids[t]])
            count += end - first
        prev_end = end
        begin += stride
    return nll / count, count


def main():
    text = open(os.path.join(SHARED, "data/tinystories-valid-head/tinystories_valid_head.txt"), encoding="utf-8").read()[:20000]
    out = subprocess.run(["./topiary", "tokenize", os.path.join(SHARED, "models/stories260K-hf"), "--text", text],
                         check=True, capture_output=True, text=True).stdout
    ids = [int(x) for x in out.split()]
    config, weights = llama_ref.load_hf(os.path.join(SHARED, "models/stories260K-hf"))
    result = {"text": "first 20000 characters of data/tinystories-valid-head/tinystories_valid_head.txt", "ids": ids}
    for seq_len, stride in [(512, 256), (512, 512)]:
        mean, count = windowed_nll(config, weights, ids, seq_len, stride)
        result[f"seq{seq_len}_stride{stride}"] = {"mean_nll": mean, "scored": count, "perplexity": math.exp(mean)}
        print(seq_len, stride, mean, count)
    path = "src/test/resources/fixtures/stories260k-ppl.json"
    with open(path, "w") as f:
        json.dump(result, f)
    print("wrote", path)


if __name__ == "__main__":
    main()
