"""Self-check of llama_ref.py against the committed stories260K references.

Run from the repository root:
    /usr/bin/python3 scripts/reference/check_stories260k.py [--models /work/shared/models]

1. Loads stories260K-hf (HF layout, tied head, GQA 8/4) and compares the
   float64 logits for the ids in stories260K/reference/logits_case0.json with
   logits_case0.f32 (float32 LE [16, 512]); must agree within 1e-4.
2. Greedy-decodes 200 tokens from BOS (id 1), decodes them with tokenizer.json's
   pieces and compares with stories260K/reference/greedy_bos_t0_n200.txt.
Exits non-zero if either check fails.
"""

import argparse
import json
import os
import re
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_ref  # noqa: E402

_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")


def decode(tokenizer_json, ids):
    """Legacy Llama decoding: U+2581 -> space, <0xXX> -> raw byte, strip one leading space."""
    vocab = tokenizer_json["model"]["vocab"]
    pieces = {i: p for p, i in vocab.items()}
    out = bytearray()
    for i in ids:
        piece = pieces[i]
        m = _BYTE_PIECE.match(piece)
        if m:
            out.append(int(m.group(1), 16))
        else:
            out += piece.replace("\u2581", " ").encode("utf-8")
    text = out.decode("utf-8", errors="replace")
    return text[1:] if text.startswith(" ") else text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=None,
                    help="folder holding stories260K and stories260K-hf (default: ../shared/models, /work/shared/models)")
    args = ap.parse_args()
    candidates = [args.models] if args.models else [
        os.path.join(os.getcwd(), "..", "shared", "models"), "/work/shared/models"]
    models = next((c for c in candidates if c and os.path.isdir(os.path.join(c, "stories260K-hf"))), None)
    if models is None:
        print("stories260K-hf not found in", candidates)
        return 2
    torch.set_num_threads(1)
    hf = os.path.join(models, "stories260K-hf")
    ref = os.path.join(models, "stories260K", "reference")
    config, weights = llama_ref.load_hf(hf)
    ok = True

    # 1. logits
    with open(os.path.join(ref, "logits_case0.json")) as f:
        case = json.load(f)
    expected = np.fromfile(os.path.join(ref, "logits_case0.f32"), dtype="<f4").reshape(case["shape"])
    with torch.no_grad():
        logits = llama_ref.forward(config, weights, torch.tensor(case["input_ids"], dtype=torch.long))
    diff = float(np.abs(logits.numpy() - expected).max())
    argmax_ok = logits.argmax(-1).tolist() == case["argmax_per_position"]
    good = diff <= 1e-4 and argmax_ok
    ok &= good
    print(f"logits_case0: max |diff| = {diff:.3e} (max |logit| {np.abs(expected).max():.2f}), "
          f"argmax match {argmax_ok} -> {'PASS' if good else 'FAIL'}")

    # 2. greedy text
    with open(os.path.join(hf, "tokenizer.json"), encoding="utf-8") as f:
        tok = json.load(f)
    with open(os.path.join(ref, "greedy_bos_t0_n200.txt"), encoding="utf-8") as f:
        expected_text = f.read()
    t0 = time.time()
    ids = llama_ref.greedy(config, weights, [1], 200)
    text = decode(tok, ids)
    good = text == expected_text
    ok &= good
    print(f"greedy 200 from BOS ({time.time() - t0:.1f}s): {'PASS' if good else 'FAIL'}")
    if not good:
        print("got:\n" + text + "\nexpected:\n" + expected_text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
