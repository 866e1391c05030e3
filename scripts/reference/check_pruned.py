"""Pruned stories260K, read by the independent PyTorch reference: fixtures for PrunedStories260KTest.

Runs `./topiary importance` once (the scores are committed too, so the Java test prunes with exactly
these), then `./topiary prune` for each target below, loads each pruned Hugging Face folder with
llama_ref.load_hf (its own safetensors reader, config parsing with explicit head_dim) and writes the
float64 logits of a fixed prompt, rounded to float32. The Java test prunes again with the same scores
and requires Topiary's logits of its own output to match these.

Run from the repository root:  /usr/bin/python3 scripts/reference/check_pruned.py
"""
import json, os, subprocess, sys, tempfile
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import llama_ref  # noqa: E402

MODEL = os.path.join("..", "shared", "models", "stories260K-hf")
DATA = os.path.join("..", "shared", "data", "tinystories-valid-head", "tinystories_valid_head.txt")
OUT = "src/test/resources/fixtures/stories260k-pruned"
IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426]
TARGETS = {
    "width": ["--hidden", "48", "--ffn", "128", "--heads", "4"],
    "heads": ["--heads", "4"],
    "depth-bi": ["--layers", "3"],
    "depth-drop": ["--drop-layers", "1,3"],
    "all-axes": ["--hidden", "40", "--ffn", "100", "--heads", "4", "--layers", "4"],
}


def main():
    os.makedirs(OUT, exist_ok=True)
    scores = os.path.join(OUT, "scores.json")
    subprocess.run(["./topiary", "importance", MODEL, "--data", DATA, "--samples", "16", "--seq-len", "128", "--out", scores],
                   check=True, capture_output=True)
    index = {"ids": IDS, "model": "stories260K-hf", "scores": "scores.json", "targets": {}}
    for name, args in TARGETS.items():
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["./topiary", "prune", MODEL, "--scores", scores, *args, "--out", d], check=True, capture_output=True)
            config, weights = llama_ref.load_hf(d)
            logits = llama_ref.forward(config, weights, torch.tensor(IDS))
            logits.numpy().astype("<f4").tofile(os.path.join(OUT, name + ".f32"))
            index["targets"][name] = {"args": args, "logits": name + ".f32", "shape": list(logits.shape),
                                      "hidden_size": config["hidden_size"], "num_hidden_layers": config["num_hidden_layers"],
                                      "num_attention_heads": config["num_attention_heads"], "head_dim": config.get("head_dim")}
            print(name, config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"],
                  config["num_attention_heads"], float(logits.abs().max()))
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(index, f, indent=1)


if __name__ == "__main__":
    main()
