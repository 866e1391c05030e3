"""Re-check the committed fixtures with a second, differently-structured forward pass.

Run from the repository root:  /usr/bin/python3 scripts/reference/check_fixtures.py

llama_ref.forward is vectorised over the sequence (full causal attention on
[T, dim]). This script instead decodes one token at a time in numpy with a
KV cache, plain Python loops over heads and scalar RoPE frequencies, and checks
  * logits.f32 of tiny-llama3, tiny-qwen2, tiny-mistral-f32 (max |diff| <= 1e-5),
  * the greedy_ids of each reference.json (incremental decode from the prompt),
  * tiny-train's loss (from the same per-token logits).
It only shares the safetensors reader with llama_ref.
"""

import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_ref import read_safetensors  # noqa: E402

ROOT = os.path.join("src", "test", "resources", "fixtures")


def load(folder):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    index = os.path.join(folder, "model.safetensors.index.json")
    files = ["model.safetensors"]
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    w = {}
    for fn in files:
        w.update({k: v.astype(np.float64) for k, v in read_safetensors(os.path.join(folder, fn)).items()})
    return cfg, w


def inv_freqs(cfg, hd):
    """Scalar loop over the RoPE frequencies (llama3 bands written as if/elif)."""
    theta = cfg.get("rope_theta", 10000.0)
    rs = cfg.get("rope_scaling") or {}
    out = []
    for i in range(hd // 2):
        f = theta ** (-(2.0 * i) / hd)
        if rs.get("rope_type") == "llama3":
            wl = 2 * math.pi / f
            lo_wl = rs["original_max_position_embeddings"] / rs["low_freq_factor"]
            hi_wl = rs["original_max_position_embeddings"] / rs["high_freq_factor"]
            if wl < hi_wl:
                pass
            elif wl > lo_wl:
                f = f / rs["factor"]
            else:
                s = (rs["original_max_position_embeddings"] / wl - rs["low_freq_factor"]) / (
                    rs["high_freq_factor"] - rs["low_freq_factor"])
                f = (1 - s) * f / rs["factor"] + s * f
        elif rs.get("rope_type") == "linear":
            f = f / rs["factor"]
        out.append(f)
    return out


class Decoder:
    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w
        self.D = cfg["hidden_size"]
        self.H = cfg["num_attention_heads"]
        self.KV = cfg["num_key_value_heads"]
        self.hd = cfg.get("head_dim") or self.D // self.H
        self.freqs = inv_freqs(cfg, self.hd)
        self.cache = [([], []) for _ in range(cfg["num_hidden_layers"])]
        self.pos = 0

    def norm(self, x, name):
        return x / math.sqrt(float(np.mean(x * x)) + self.cfg["rms_norm_eps"]) * self.w[name]

    def lin(self, name, x):
        y = self.w[name + ".weight"].dot(x)
        b = self.w.get(name + ".bias")
        return y if b is None else y + b

    def rope(self, v):
        # rotate the pair (j, j + hd/2) by angle pos * freq[j]
        out = v.copy()
        half = self.hd // 2
        for j, f in enumerate(self.freqs):
            c, s = math.cos(self.pos * f), math.sin(self.pos * f)
            out[j] = v[j] * c - v[j + half] * s
            out[j + half] = v[j + half] * c + v[j] * s
        return out

    def step(self, token):
        w, hd = self.w, self.hd
        x = w["model.embed_tokens.weight"][token].copy()
        for l, (kc, vc) in enumerate(self.cache):
            p = f"model.layers.{l}."
            h = self.norm(x, p + "input_layernorm.weight")
            q = self.lin(p + "self_attn.q_proj", h)
            k = self.lin(p + "self_attn.k_proj", h)
            v = self.lin(p + "self_attn.v_proj", h)
            kc.append([self.rope(k[g * hd:(g + 1) * hd]) for g in range(self.KV)])
            vc.append([v[g * hd:(g + 1) * hd] for g in range(self.KV)])
            att = np.zeros(self.H * hd)
            for head in range(self.H):
                g = head * self.KV // self.H
                qh = self.rope(q[head * hd:(head + 1) * hd])
                scores = np.array([qh.dot(kc[t][g]) for t in range(len(kc))]) / math.sqrt(hd)
                e = np.exp(scores - scores.max())
                e /= e.sum()
                att[head * hd:(head + 1) * hd] = sum(e[t] * vc[t][g] for t in range(len(vc)))
            x = x + self.lin(p + "self_attn.o_proj", att)
            h = self.norm(x, p + "post_attention_layernorm.weight")
            gate = self.lin(p + "mlp.gate_proj", h)
            up = self.lin(p + "mlp.up_proj", h)
            x = x + self.lin(p + "mlp.down_proj", gate / (1 + np.exp(-gate)) * up)
        self.pos += 1
        x = self.norm(x, "model.norm.weight")
        head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
        return head.dot(x)


def main():
    ok = True
    for name in ("tiny-llama3", "tiny-qwen2", "tiny-mistral-f32"):
        folder = os.path.join(ROOT, name)
        cfg, w = load(folder)
        with open(os.path.join(folder, "reference.json")) as f:
            ref = json.load(f)
        expected = np.fromfile(os.path.join(folder, ref["logits_file"]), dtype="<f4").reshape(ref["shape"])
        dec = Decoder(cfg, w)
        got = np.stack([dec.step(t) for t in ref["input_ids"]])
        diff = float(np.abs(got - expected).max())
        dec = Decoder(cfg, w)
        for t in ref["greedy_prompt_ids"]:
            logits = dec.step(t)
        greedy = []
        for _ in range(len(ref["greedy_ids"])):
            greedy.append(int(np.argmax(logits)))
            logits = dec.step(greedy[-1])
        good = diff <= 1e-5 and greedy == ref["greedy_ids"]
        ok &= good
        print(f"{name}: logits max |diff| {diff:.2e}, greedy match {greedy == ref['greedy_ids']} "
              f"-> {'PASS' if good else 'FAIL'}")

    cfg, w = load(os.path.join(ROOT, "tiny-llama3"))
    with open(os.path.join(ROOT, "tiny-train", "train_reference.json")) as f:
        tr = json.load(f)
    total, count = 0.0, 0
    for inp, tgt in zip(tr["inputs"], tr["targets"]):
        dec = Decoder(cfg, w)
        for t, y in zip(inp, tgt):
            logits = dec.step(t)
            if y != -100:
                m = logits.max()
                total += m + math.log(np.exp(logits - m).sum()) - logits[y]
                count += 1
    loss = total / count
    good = abs(loss - tr["loss"]) <= 1e-9
    ok &= good
    print(f"tiny-train: loss {loss:.12f} vs {tr['loss']:.12f} -> {'PASS' if good else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
