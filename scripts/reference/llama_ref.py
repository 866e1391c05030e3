"""Independent PyTorch reference for Llama-family causal language models.

A deliberately small, readable forward pass with the semantics of Hugging Face
transformers' LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM, used
only to produce test fixtures for Topiary (the Java tests never run Python).

Everything is computed in the dtype of the weight tensors; `load_hf` returns
float64 tensors, so by default the reference runs in float64.

Requirements: Debian's python3-torch (1.13) and numpy; run with /usr/bin/python3.
No transformers / safetensors packages are used: safetensors files are read and
written by hand (see `read_safetensors` / `write_safetensors`).
"""

import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

# ----------------------------------------------------------------------------
# safetensors I/O
#
# File layout: u64 little-endian header length N, then N bytes of JSON
# {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}
# (padded with spaces to a multiple of 8), then the raw little-endian tensor data;
# data_offsets are relative to the first byte after the header.

_NUMPY_DTYPE = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2")}


def bf16_bits_to_f32(bits):
    """uint16 bfloat16 bit patterns -> float32 (bf16 is the top half of an f32)."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16_bits(values):
    """float32 values -> uint16 bfloat16 bit patterns, round to nearest, ties to even."""
    f = np.ascontiguousarray(values, dtype=np.float32)
    if not np.all(np.isfinite(f)):
        raise ValueError("bf16 rounding here only handles finite values")
    u = f.view(np.uint32).astype(np.uint64)
    # add 0x7FFF plus the lowest kept bit, then truncate: round-half-to-even
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def round_to_bf16(values):
    """float values -> float32 values exactly representable in bfloat16 (RNE)."""
    return bf16_bits_to_f32(f32_to_bf16_bits(values))


def read_safetensors(path):
    """Read one .safetensors file -> dict name -> float32/float16 numpy array."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = info["dtype"]
        if dtype not in _NUMPY_DTYPE:
            raise ValueError(f"{path}: {name}: unsupported dtype {dtype}")
        begin, end = info["data_offsets"]
        raw = np.frombuffer(blob[base + begin:base + end], dtype=_NUMPY_DTYPE[dtype])
        raw = raw.reshape(info["shape"])
        out[name] = bf16_bits_to_f32(raw) if dtype == "BF16" else raw.copy()
    return out


def _encode_tensor(array, dtype):
    """numpy array + target dtype string -> little-endian bytes."""
    if dtype == "BF16":
        return f32_to_bf16_bits(np.asarray(array, dtype=np.float32)).astype("<u2").tobytes()
    if dtype in ("F32", "F16"):
        return np.ascontiguousarray(array, dtype=_NUMPY_DTYPE[dtype]).tobytes()
    raise ValueError(f"unsupported dtype {dtype}")


def write_safetensors(path, tensors):
    """Write dict name -> (numpy array, "F32"|"F16"|"BF16") as one safetensors file.

    Tensors are laid out contiguously in sorted name order. Returns the number
    of tensor data bytes written.
    """
    header = {"__metadata__": {"format": "pt"}}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        array, dtype = tensors[name]
        data = _encode_tensor(array, dtype)
        header[name] = {"dtype": dtype, "shape": list(np.shape(array)),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad the header to a multiple of 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
    return offset


def write_sharded_safetensors(folder, tensors, n_shards):
    """Write tensors into model-0000k-of-0000N.safetensors + model.safetensors.index.json.

    Tensors (in sorted name order) are split into n_shards consecutive groups of
    roughly equal byte size. Index: {"metadata": {"total_size": bytes},
    "weight_map": {name: file}}.
    """
    names = sorted(tensors)
    sizes = [len(_encode_tensor(*tensors[n])) for n in names]
    total = sum(sizes)
    shards = [[] for _ in range(n_shards)]
    running = 0
    for name, size in zip(names, sizes):
        # shard index from where this tensor's middle falls in the total byte range
        k = min(n_shards - 1, int((running + size / 2) * n_shards / total))
        shards[k].append(name)
        running += size
    weight_map = {}
    for k, group in enumerate(shards):
        if not group:
            raise ValueError("a shard would be empty; use fewer shards")
        fname = f"model-{k + 1:05d}-of-{n_shards:05d}.safetensors"
        write_safetensors(os.path.join(folder, fname), {n: tensors[n] for n in group})
        for n in group:
            weight_map[n] = fname
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    return total


def load_hf(folder):
    """Load a Hugging Face model folder -> (config dict, dict name -> float64 tensor).

    Reads config.json and either model.safetensors or the shards listed in
    model.safetensors.index.json (weight_map). BF16 is widened to float32 by a
    16-bit shift, F16 through numpy float16; everything then becomes float64.
    """
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    index_path = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            weight_map = json.load(f)["weight_map"]
        files = sorted(set(weight_map.values()))
    else:
        weight_map = None
        files = ["model.safetensors"]
    weights = {}
    for fname in files:
        for name, array in read_safetensors(os.path.join(folder, fname)).items():
            if weight_map is not None and weight_map.get(name) != fname:
                raise ValueError(f"{name} found in {fname} but index says {weight_map.get(name)}")
            weights[name] = torch.from_numpy(array.astype(np.float64))
    if weight_map is not None:
        missing = set(weight_map) - set(weights)
        if missing:
            raise ValueError(f"tensors listed in the index but not found: {sorted(missing)}")
    return config, weights


# ----------------------------------------------------------------------------
# Model


def dims(config):
    """The shape numbers of a config; head_dim may differ from hidden / heads."""
    hidden = config["hidden_size"]
    heads = config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads") or heads
    head_dim = config.get("head_dim") or hidden // heads
    return hidden, heads, kv_heads, head_dim


def bias_layout(config):
    """Which projections carry a bias, as transformers builds them.

    llama:   q, k, v and o all get a bias iff attention_bias (LlamaAttention).
    qwen2:   q, k, v always have a bias, o never.
    mistral: no attention biases (MistralAttention builds bias=False regardless of config).
    mlp_bias (gate/up/down bias) is only supported when false.
    """
    if config.get("mlp_bias", False):
        raise NotImplementedError("mlp_bias=true is not supported by this reference")
    if config.get("hidden_act", "silu") != "silu":
        raise NotImplementedError(f"hidden_act {config.get('hidden_act')}")
    mt = config.get("model_type", "llama")
    if mt == "llama":
        b = bool(config.get("attention_bias", False))
        return {"q": b, "k": b, "v": b, "o": b}
    if mt == "qwen2":
        return {"q": True, "k": True, "v": True, "o": False}
    if mt == "mistral":
        return {"q": False, "k": False, "v": False, "o": False}
    raise NotImplementedError(f"model_type {mt}")


def rope_inv_freq(config, head_dim, dtype=torch.float64):
    """RoPE inverse frequencies inv[i] = 1 / theta^(2i / head_dim), i < head_dim/2,
    with the config's rope_scaling applied (none/default, "linear", "llama3")."""
    theta = float(config.get("rope_theta", 10000.0))
    i2 = torch.arange(0, head_dim, 2, dtype=torch.float64)
    inv = 1.0 / theta ** (i2 / head_dim)
    rs = config.get("rope_scaling")
    rtype = None if not rs else rs.get("rope_type", rs.get("type"))
    if rtype in (None, "default"):
        pass
    elif rtype == "linear":
        # positions / factor  ==  inv_freq / factor
        inv = inv / float(rs["factor"])
    elif rtype == "llama3":
        # transformers' _compute_llama3_parameters:
        factor = float(rs["factor"])
        low = float(rs["low_freq_factor"])
        high = float(rs["high_freq_factor"])
        old_ctx = float(rs["original_max_position_embeddings"])
        low_freq_wavelen = old_ctx / low
        high_freq_wavelen = old_ctx / high
        wavelen = 2 * math.pi / inv
        # long wavelengths (low frequencies) are divided by factor, short ones kept
        scaled = torch.where(wavelen > low_freq_wavelen, inv / factor, inv)
        # in between: interpolate between inv/factor and inv
        smooth = (old_ctx / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = (wavelen >= high_freq_wavelen) & (wavelen <= low_freq_wavelen)
        inv = torch.where(medium, smoothed, scaled)
    else:
        raise NotImplementedError(f"rope_scaling type {rtype}")
    return inv.to(dtype)


def rms_norm(x, weight, eps):
    """RMSNorm: x * rsqrt(mean(x^2) + eps) * weight, over the last axis."""
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate_half(x):
    """HF RoPE layout: pairs (i, i + head_dim/2); (a, b) -> (-b, a)."""
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def linear(x, w, b=None):
    """y = x W^T (+ b); W is [out_features, in_features] like nn.Linear."""
    y = x @ w.t()
    return y if b is None else y + b


def attention_mask(config, T):
    """Boolean [T, T]: query i may attend to key j. Causal, plus Mistral's sliding
    window (keys more than sliding_window - 1 positions back are hidden)."""
    i = torch.arange(T).unsqueeze(1)
    j = torch.arange(T).unsqueeze(0)
    allowed = j <= i
    mt = config.get("model_type", "llama")
    window = config.get("sliding_window")
    if mt == "qwen2" and config.get("use_sliding_window", False):
        raise NotImplementedError("qwen2 use_sliding_window=true")
    if mt == "mistral" and window is not None:
        allowed = allowed & (i - j < window)
    return allowed


def forward(config, weights, input_ids):
    """Logits for every position: input_ids LongTensor [T] -> [T, vocab]
    (or [B, T] -> [B, T, vocab]), in the dtype of the weights."""
    hidden, heads, kv_heads, head_dim = dims(config)
    eps = float(config["rms_norm_eps"])
    bias = bias_layout(config)
    batched = input_ids.dim() == 2
    ids = input_ids if batched else input_ids.unsqueeze(0)
    B, T = ids.shape
    w = weights
    dtype = w["model.embed_tokens.weight"].dtype

    # token embedding lookup: [B, T, hidden]
    x = w["model.embed_tokens.weight"][ids]

    # RoPE tables for positions 0..T-1: angle[t, i] = t * inv_freq[i], duplicated
    # to cover both halves of the rotate_half layout: cos/sin [T, head_dim]
    inv_freq = rope_inv_freq(config, head_dim, torch.float64)
    angles = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)
    angles = torch.cat((angles, angles), dim=-1)
    cos, sin = angles.cos().to(dtype), angles.sin().to(dtype)

    allowed = attention_mask(config, T)
    group = heads // kv_heads  # query head h uses kv head h // group

    def get_bias(p, which):
        return w[p + f"self_attn.{which}_proj.bias"] if bias[which] else None

    for layer in range(config["num_hidden_layers"]):
        p = f"model.layers.{layer}."

        # --- attention block ---
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = linear(h, w[p + "self_attn.q_proj.weight"], get_bias(p, "q"))
        k = linear(h, w[p + "self_attn.k_proj.weight"], get_bias(p, "k"))
        v = linear(h, w[p + "self_attn.v_proj.weight"], get_bias(p, "v"))
        # split heads: [B, T, n*head_dim] -> [B, n, T, head_dim]
        q = q.view(B, T, heads, head_dim).transpose(1, 2)
        k = k.view(B, T, kv_heads, head_dim).transpose(1, 2)
        v = v.view(B, T, kv_heads, head_dim).transpose(1, 2)
        # rotary position embedding on queries and keys
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # grouped-query attention: repeat each kv head `group` times
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        # causal softmax attention, scaled by 1/sqrt(head_dim)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(head_dim)
        scores = scores.masked_fill(~allowed, float("-inf"))
        probs = torch.softmax(scores, dim=-1)
        out = probs @ v  # [B, heads, T, head_dim]
        # merge heads and project back: [B, T, heads*head_dim] -> [B, T, hidden]
        out = out.transpose(1, 2).reshape(B, T, heads * head_dim)
        x = x + linear(out, w[p + "self_attn.o_proj.weight"], get_bias(p, "o"))

        # --- SwiGLU MLP block ---
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = linear(h, w[p + "mlp.gate_proj.weight"])
        up = linear(h, w[p + "mlp.up_proj.weight"])
        x = x + linear(F.silu(gate) * up, w[p + "mlp.down_proj.weight"])

    # final norm and LM head (tied to the embedding when lm_head.weight is absent)
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight")
    if head is None:
        if not config.get("tie_word_embeddings", False):
            raise ValueError("lm_head.weight missing and tie_word_embeddings is false")
        head = w["model.embed_tokens.weight"]
    logits = x @ head.t()
    return logits if batched else logits[0]


def greedy(config, weights, prompt_ids, n):
    """Greedy decoding: returns the n ids that follow prompt_ids (argmax, the
    lowest id wins ties). Recomputes the full forward each step (no KV cache)."""
    ids = list(int(t) for t in prompt_ids)
    with torch.no_grad():
        for _ in range(n):
            logits = forward(config, weights, torch.tensor(ids, dtype=torch.long))[-1]
            ids.append(int(np.argmax(logits.numpy())))
    return ids[len(prompt_ids):]
