"""Give OpenBLAS the strongest kernels this CPU runs, before torch loads it.

OpenBLAS picks its kernels from the CPU model at load time. Debian's 0.3.21 does not know every
recent CPU: on a Sapphire Rapids VM it falls back to "Prescott" (SSE3, 35 GFLOP/s on 2 cores where its
AVX-512 kernels reach 210), and an environment may pin OPENBLAS_CORETYPE to an older family. A ratio
against either would be against a crippled baseline, so the bench scripts import this module first:
it sets OPENBLAS_CORETYPE from the CPU's flags (AVX-512 with BF16: Cooperlake; AVX-512: SkylakeX;
AVX2 with FMA: Haswell) and `core_name()` reports the kernels OpenBLAS actually chose.
"""

import ctypes
import os

ORIGINAL = os.environ.get("OPENBLAS_CORETYPE")


def _flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def best_core(flags):
    """The OpenBLAS core type with the widest kernels these CPU flags allow, or None."""
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        return "Cooperlake" if "avx512_bf16" in flags else "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


CHOSEN = best_core(_flags())
if CHOSEN:
    os.environ["OPENBLAS_CORETYPE"] = CHOSEN


def core_name():
    """The kernel family the loaded OpenBLAS uses (call after importing torch), or None."""
    lib = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    try:
        fn = ctypes.CDLL(lib).openblas_get_corename
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_char_p
    return fn().decode()


def describe():
    """One line: the core OpenBLAS runs, and what the environment had asked for."""
    core = core_name()
    if core is None:
        return "not OpenBLAS"
    was = f"; the environment had OPENBLAS_CORETYPE={ORIGINAL}" if ORIGINAL and ORIGINAL != CHOSEN else ""
    return f"OpenBLAS core {core} (set from the CPU flags{was})" if CHOSEN else f"OpenBLAS core {core}"
