"""Generate Topiary's small, committed model test fixtures.

Run from the repository root (needs Debian's python3-torch 1.13 and numpy):

    /usr/bin/python3 scripts/reference/make_fixtures.py

It (re)writes, under src/test/resources/fixtures/:

  tiny-llama3/       LlamaForCausalLM, BF16, 2 safetensors shards + index, head_dim 16 != 48/4,
                     GQA 4/2, llama3 rope_scaling, attention_bias (q/k/v/o), untied lm_head
  tiny-qwen2/        Qwen2ForCausalLM, F16, single model.safetensors, GQA 4/1, q/k/v bias,
                     tied lm_head (no lm_head.weight)
  tiny-mistral-f32/  MistralForCausalLM, F32, single model.safetensors, 3 layers, sliding_window 4096
  tiny-train/        loss, step-0 gradients and 10 AdamW steps for tiny-llama3's weights

Each model folder holds config.json, the weights, reference.json and logits.f32
(float64 reference logits rounded to float32, little-endian, row-major
[position, vocab]). The output is deterministic: no RNG is used, torch runs on one
thread, and re-running gives byte-identical files.

Weights: w[i] = scale * sin(0.37*i + c + 0.05*((i*i) mod 997)) over the flattened
tensor, c a per-tensor constant from the tensor name (crc32). The small quadratic
phase term keeps matrices full-rank (a plain sin(0.37*i + c) matrix has rank 2).
RMSNorm weights are 1 + 0.1*sin(...). Reference logits are computed from the
weights as stored (bf16/f16-rounded), read back through llama_ref.load_hf.
"""

import hashlib
import json
import math
import os
import sys
import zlib

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_ref  # noqa: E402

FIXTURES = os.path.join("src", "test", "resources", "fixtures")


# ----------------------------------------------------------------------------
# deterministic weights


def pattern(shape, name, scale, offset=0.0):
    """offset + scale * sin(0.37*i + c + 0.05*((i*i) % 997)), c from the tensor name."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.float64)
    c = (zlib.crc32(name.encode("utf-8")) % 6283) / 1000.0
    return (offset + scale * np.sin(0.37 * i + c + 0.05 * ((i * i) % 997))).reshape(shape)


def make_weights(config):
    """HF-named float32 weights for a config (biases per llama_ref.bias_layout)."""
    hidden, heads, kv_heads, head_dim = llama_ref.dims(config)
    inter = config["intermediate_size"]
    vocab = config["vocab_size"]
    bias = llama_ref.bias_layout(config)

    def mat(name, out_f, in_f):
        # amplitude 2/sqrt(in): projections of RMS-1 inputs come out O(1), logits O(1-5),
        # and greedy continuations do not collapse into one repeated token
        return pattern((out_f, in_f), name, 2.0 / math.sqrt(in_f))

    w = {"model.embed_tokens.weight": pattern((vocab, hidden), "model.embed_tokens.weight", 0.5),
         "model.norm.weight": pattern((hidden,), "model.norm.weight", 0.1, 1.0)}
    if not config.get("tie_word_embeddings", False):
        w["lm_head.weight"] = mat("lm_head.weight", vocab, hidden)
    shapes = {"q": (heads * head_dim, hidden), "k": (kv_heads * head_dim, hidden),
              "v": (kv_heads * head_dim, hidden), "o": (hidden, heads * head_dim)}
    for layer in range(config["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        for norm in ("input_layernorm", "post_attention_layernorm"):
            w[p + norm + ".weight"] = pattern((hidden,), p + norm + ".weight", 0.1, 1.0)
        for which, (out_f, in_f) in shapes.items():
            name = p + f"self_attn.{which}_proj"
            w[name + ".weight"] = mat(name + ".weight", out_f, in_f)
            if bias[which]:
                w[name + ".bias"] = pattern((out_f,), name + ".bias", 0.1)
        w[p + "mlp.gate_proj.weight"] = mat(p + "mlp.gate_proj.weight", inter, hidden)
        w[p + "mlp.up_proj.weight"] = mat(p + "mlp.up_proj.weight", inter, hidden)
        w[p + "mlp.down_proj.weight"] = mat(p + "mlp.down_proj.weight", hidden, inter)
    return {k: v.astype(np.float32) for k, v in w.items()}


# ----------------------------------------------------------------------------
# configs

TINY_LLAMA3 = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 48,
    "intermediate_size": 80,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "vocab_size": 96,
    "max_position_embeddings": 256,
    "rms_norm_eps": 1e-05,
    "rope_theta": 500000.0,
    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                     "high_freq_factor": 4.0, "original_max_position_embeddings": 16},
    "hidden_act": "silu",
    "attention_bias": True,
    "attention_dropout": 0.0,
    "mlp_bias": False,
    "pretraining_tp": 1,
    "tie_word_embeddings": False,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "use_cache": True,
    "torch_dtype": "bfloat16",
}

TINY_QWEN2 = {
    "architectures": ["Qwen2ForCausalLM"],
    "model_type": "qwen2",
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 1,
    "vocab_size": 80,
    "max_position_embeddings": 256,
    "rms_norm_eps": 1e-06,
    "rope_theta": 1000000.0,
    "hidden_act": "silu",
    "attention_dropout": 0.0,
    "use_sliding_window": False,
    "sliding_window": 4096,
    "max_window_layers": 2,
    "tie_word_embeddings": True,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "use_cache": True,
    "torch_dtype": "float16",
}

TINY_MISTRAL = {
    "architectures": ["MistralForCausalLM"],
    "model_type": "mistral",
    "hidden_size": 32,
    "intermediate_size": 48,
    "num_hidden_layers": 3,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "head_dim": 8,
    "vocab_size": 64,
    "max_position_embeddings": 256,
    "rms_norm_eps": 1e-05,
    "rope_theta": 10000.0,
    "sliding_window": 4096,
    "hidden_act": "silu",
    "attention_dropout": 0.0,
    "tie_word_embeddings": False,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "use_cache": True,
    "torch_dtype": "float32",
}


# ----------------------------------------------------------------------------
# writing


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def _dumps(obj, indent=0):
    """JSON text, indented, with lists of numbers (or of such lists' rows) kept on one line."""
    pad = "  " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f'{pad}  {json.dumps(k)}: {_dumps(v, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        items = [pad + "  " + _dumps(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj)


def compact_list_json(path, obj):
    """Write obj as readable JSON (number lists on one line)."""
    text = _dumps(obj)
    assert json.loads(text) == obj
    with open(path, "w") as f:
        f.write(text + "\n")


def reference_outputs(folder, config_expected, stored_expected, n_tokens, desc):
    """Reload the folder, check the stored values, write logits.f32 + reference.json."""
    config, weights = llama_ref.load_hf(folder)
    assert config == config_expected
    assert set(weights) == set(stored_expected), set(weights) ^ set(stored_expected)
    for name, arr in stored_expected.items():
        assert np.array_equal(weights[name].numpy(), arr.astype(np.float64)), name
    vocab = config["vocab_size"]
    ids = [(7 * i + 3) % vocab for i in range(n_tokens)]
    with torch.no_grad():
        logits = llama_ref.forward(config, weights, torch.tensor(ids, dtype=torch.long))
    logits.numpy().astype("<f4").tofile(os.path.join(folder, "logits.f32"))
    prompt = ids[:5]
    greedy_ids = llama_ref.greedy(config, weights, prompt, 12)
    # how far the greedy argmax is from a tie, for robustness of Java-side checks
    margins = []
    seq = list(prompt)
    with torch.no_grad():
        for nxt in greedy_ids:
            last = llama_ref.forward(config, weights, torch.tensor(seq, dtype=torch.long))[-1]
            top2 = torch.topk(last, 2).values
            margins.append(float(top2[0] - top2[1]))
            seq.append(nxt)
    ref = {
        "input_ids": ids,
        "logits_file": "logits.f32",
        "shape": [n_tokens, vocab],
        "dtype": "float32 little-endian row-major (position, vocab)",
        "computed_with": f"float64 PyTorch {torch.__version__} forward (scripts/reference/llama_ref.py, "
                         f"HF {config['architectures'][0]} semantics) on the weights as stored "
                         f"({desc}), rounded to float32",
        "max_abs_logit": round(float(logits.abs().max()), 4),
        "greedy_prompt_ids": prompt,
        "greedy_ids": greedy_ids,
        "greedy_min_top2_margin": round(min(margins), 6),
    }
    compact_list_json(os.path.join(folder, "reference.json"), ref)
    return config, weights, ref


def make_tiny_llama3(root):
    folder = os.path.join(root, "tiny-llama3")
    os.makedirs(folder, exist_ok=True)
    w32 = make_weights(TINY_LLAMA3)
    write_json(os.path.join(folder, "config.json"), TINY_LLAMA3)
    llama_ref.write_sharded_safetensors(folder, {k: (v, "BF16") for k, v in w32.items()}, 2)
    stored = {k: llama_ref.round_to_bf16(v) for k, v in w32.items()}
    return reference_outputs(folder, TINY_LLAMA3, stored, 20, "BF16, round-to-nearest-even")


def make_tiny_qwen2(root):
    folder = os.path.join(root, "tiny-qwen2")
    os.makedirs(folder, exist_ok=True)
    w32 = make_weights(TINY_QWEN2)
    write_json(os.path.join(folder, "config.json"), TINY_QWEN2)
    llama_ref.write_safetensors(os.path.join(folder, "model.safetensors"),
                                {k: (v, "F16") for k, v in w32.items()})
    stored = {k: v.astype(np.float16) for k, v in w32.items()}
    return reference_outputs(folder, TINY_QWEN2, stored, 17, "F16")


def make_tiny_mistral(root):
    folder = os.path.join(root, "tiny-mistral-f32")
    os.makedirs(folder, exist_ok=True)
    w32 = make_weights(TINY_MISTRAL)
    write_json(os.path.join(folder, "config.json"), TINY_MISTRAL)
    llama_ref.write_safetensors(os.path.join(folder, "model.safetensors"),
                                {k: (v, "F32") for k, v in w32.items()})
    return reference_outputs(folder, TINY_MISTRAL, w32, 20, "F32")


# ----------------------------------------------------------------------------
# training fixture


def decays(name, tensor):
    """Weight decay on 2-D weight matrices except the token embedding."""
    return tensor.dim() == 2 and name != "model.embed_tokens.weight"


def cross_entropy(logits, targets):
    """Mean next-token cross-entropy over targets != -100; logits [B, T, V]."""
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100, reduction="mean")


def make_tiny_train(root, config, weights):
    folder = os.path.join(root, "tiny-train")
    os.makedirs(folder, exist_ok=True)
    vocab = config["vocab_size"]
    B, T = 2, 8
    # row b is the token stream s[b][0..T]; inputs are s[:T], targets s[1:]
    streams = [[(5 * t + 11 * b + 1) % vocab for t in range(T + 1)] for b in range(B)]
    inputs = [s[:T] for s in streams]
    targets = [s[1:] for s in streams]
    targets[0][2] = -100
    targets[1][7] = -100
    x = torch.tensor(inputs, dtype=torch.long)
    y = torch.tensor(targets, dtype=torch.long)

    params = {k: v.clone().requires_grad_(True) for k, v in sorted(weights.items())}
    decay = [p for k, p in params.items() if decays(k, p)]
    no_decay = [p for k, p in params.items() if not decays(k, p)]
    hp = {"lr": 1e-3, "betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 0.1}
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": hp["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=hp["lr"], betas=tuple(hp["betas"]), eps=hp["eps"])

    losses = []
    grads0 = None
    for step in range(10):
        opt.zero_grad()
        loss = cross_entropy(llama_ref.forward(config, params, x), y)
        loss.backward()
        losses.append(float(loss))
        if step == 0:
            grads0 = {k: p.grad.detach().numpy().copy() for k, p in params.items()}
        opt.step()
    with torch.no_grad():
        final_loss = float(cross_entropy(llama_ref.forward(config, params, x), y))

    llama_ref.write_safetensors(os.path.join(folder, "grads.safetensors"),
                                {k: (g.astype(np.float32), "F32") for k, g in grads0.items()})
    ref = {
        "model": "../tiny-llama3 (its BF16 weights, widened exactly to float64)",
        "inputs": inputs,
        "targets": targets,
        "ignore_index": -100,
        "loss": losses[0],
        "loss_definition": "mean over non-ignored (b, t) of -log softmax(logits[b, t])[targets[b][t]]; "
                           "targets are given explicitly (no extra shift)",
        "grads_file": "grads.safetensors",
        "grads": "F32, d loss / d parameter at step 0 (before any update), under each HF tensor name",
        "adamw": dict(hp, decay_applies_to="2-D weight matrices except embed_tokens; "
                                           "not norms, biases, embeddings",
                      decayed=sorted(k for k, p in params.items() if decays(k, p)),
                      implementation=f"torch.optim.AdamW (PyTorch {torch.__version__}) in float64 with two "
                                     "param groups (weight_decay 0.1 / 0.0): per step t=1.., "
                                     "p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; "
                                     "p -= (lr / (1-b1^t)) * m / (sqrt(v) / sqrt(1-b2^t) + eps)"),
        "losses_10_steps": losses,
        "losses_note": "loss before each of 10 AdamW steps on the same batch (losses_10_steps[0] == loss)",
        "loss_after_10_steps": final_loss,
        "computed_with": f"float64 PyTorch {torch.__version__} autograd through scripts/reference/llama_ref.py",
    }
    compact_list_json(os.path.join(folder, "train_reference.json"), ref)
    return ref


def sha256_tree(root):
    lines = []
    for dirpath, _, files in sorted(os.walk(root)):
        for fn in sorted(files):
            path = os.path.join(dirpath, fn)
            with open(path, "rb") as f:
                data = f.read()
            lines.append(f"{hashlib.sha256(data).hexdigest()}  {len(data):7d}  {os.path.relpath(path, root)}")
    return lines


def main():
    torch.set_num_threads(1)  # one thread: a fixed summation order, byte-identical reruns
    root = FIXTURES
    os.makedirs(root, exist_ok=True)
    cfg, w, ref = make_tiny_llama3(root)
    print("tiny-llama3", ref["greedy_ids"], "max|logit|", ref["max_abs_logit"],
          "margin", ref["greedy_min_top2_margin"])
    _, _, r = make_tiny_qwen2(root)
    print("tiny-qwen2", r["greedy_ids"], "max|logit|", r["max_abs_logit"], "margin", r["greedy_min_top2_margin"])
    _, _, r = make_tiny_mistral(root)
    print("tiny-mistral-f32", r["greedy_ids"], "max|logit|", r["max_abs_logit"],
          "margin", r["greedy_min_top2_margin"])
    t = make_tiny_train(root, cfg, w)
    print("tiny-train loss", t["loss"], "->", t["loss_after_10_steps"])
    for line in sha256_tree(root):
        print(line)


if __name__ == "__main__":
    main()
