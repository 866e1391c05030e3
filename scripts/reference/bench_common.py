"""Shared helpers for bench_forward.py / bench_train.py: model shapes and random weights."""

import math
import os
import re

import torch

# llama2.c tinyllamas shapes (both use a head tied to the token embedding)
SHAPES = {
    "stories260K": {"hidden_size": 64, "num_hidden_layers": 5, "num_attention_heads": 8,
                    "num_key_value_heads": 4, "intermediate_size": 172, "vocab_size": 512},
    "stories15M": {"hidden_size": 288, "num_hidden_layers": 6, "num_attention_heads": 6,
                   "num_key_value_heads": 6, "intermediate_size": 768, "vocab_size": 32000},
}


def make_config(shape):
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "rms_norm_eps": 1e-5,
           "rope_theta": 10000.0, "max_position_embeddings": 1024, "tie_word_embeddings": True,
           "hidden_act": "silu", "attention_bias": False, "mlp_bias": False}
    cfg.update(SHAPES[shape])
    return cfg


def random_weights(cfg, seed=0, dtype=torch.float32):
    """HF-named random weights (normal, std 1/sqrt(fan_in); norms 1), seeded."""
    torch.manual_seed(seed)
    D, L = cfg["hidden_size"], cfg["num_hidden_layers"]
    H, KV, F, V = (cfg["num_attention_heads"], cfg["num_key_value_heads"],
                   cfg["intermediate_size"], cfg["vocab_size"])
    hd = D // H

    def mat(o, i):
        return torch.randn(o, i, dtype=dtype) / math.sqrt(i)

    w = {"model.embed_tokens.weight": torch.randn(V, D, dtype=dtype) * 0.5,
         "model.norm.weight": torch.ones(D, dtype=dtype)}
    for l in range(L):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = torch.ones(D, dtype=dtype)
        w[p + "post_attention_layernorm.weight"] = torch.ones(D, dtype=dtype)
        w[p + "self_attn.q_proj.weight"] = mat(H * hd, D)
        w[p + "self_attn.k_proj.weight"] = mat(KV * hd, D)
        w[p + "self_attn.v_proj.weight"] = mat(KV * hd, D)
        w[p + "self_attn.o_proj.weight"] = mat(D, H * hd)
        w[p + "mlp.gate_proj.weight"] = mat(F, D)
        w[p + "mlp.up_proj.weight"] = mat(F, D)
        w[p + "mlp.down_proj.weight"] = mat(D, F)
    return w


def blas_info():
    """Which BLAS this torch build calls (Debian's python3-torch reports BLAS_INFO=generic and
    links libblas.so.3, whose alternative may be the unoptimised reference BLAS)."""
    m = re.search(r"BLAS_INFO=([^,]+)", torch.__config__.show())
    info = m.group(1) if m else "unknown"
    if info == "generic":
        lib = "/usr/lib/x86_64-linux-gnu/libblas.so.3"
        if os.path.exists(lib):
            info += " -> " + os.path.realpath(lib)
    if "openblas" in info.lower():
        import openblas_core
        info += ", " + openblas_core.describe()
    return info


def optimised_blas(info=None):
    """True when torch's BLAS is an optimised one (OpenBLAS, MKL, BLIS, ...); False for the reference
    BLAS, against which a speed ratio says nothing: callers report no ratio then."""
    info = (info or blas_info()).lower()
    # OpenBLAS on its generic SSE3 kernels (a CPU it does not know) is as crippled as the reference BLAS
    if "core prescott" in info or "core core2" in info:
        return False
    return any(name in info for name in ("openblas", "mkl", "blis", "atlas", "accelerate"))


def warn_if_reference_blas():
    """Prints, on stderr, which BLAS torch calls and whether a ratio against it is fair."""
    import sys
    info = blas_info()
    if optimised_blas(info):
        print(f"pytorch BLAS: {info}", file=sys.stderr)
    else:
        print(f"pytorch BLAS: {info}: not an optimised BLAS; no speed ratio should be reported against it "
              "(install libopenblas0: apt-get install libopenblas0)", file=sys.stderr)
