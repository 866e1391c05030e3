"""Run PyTorch on tcmalloc, as PyTorch's own CPU performance guide recommends, before torch loads.

glibc malloc hands large tensors back to the kernel on free and maps them afresh on the next
allocation, so every temporary tensor pays its page faults again. On some VMs a page fault is dear:
on a 2-vCPU Zen 5 VM, torch.mm of 2048 x 768 x 2048 into a fresh tensor ran at 83-108 GFLOP/s and
at 341 into a preallocated one; with tcmalloc preloaded it ran at 291. A ratio against PyTorch on
glibc malloc there would be against a crippled baseline.

The bench scripts import this module first. When tcmalloc is installed (Debian: libgoogle-perftools4)
and not yet preloaded, it re-executes the same interpreter with LD_PRELOAD naming it; a run already
under LD_PRELOAD is left as it is. TOPIARY_PYTORCH_MALLOC=system turns this off (to measure glibc
malloc on purpose). `describe()` says which allocator this process runs.
"""

import os
import sys

CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4",
    "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
    "/usr/lib/aarch64-linux-gnu/libtcmalloc.so.4",
    "/usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4",
)


def find_tcmalloc():
    """The path of an installed tcmalloc, or None."""
    return next((p for p in CANDIDATES if os.path.exists(p)), None)


def preloaded():
    """The allocator library named in LD_PRELOAD (tcmalloc or jemalloc), or None."""
    for lib in os.environ.get("LD_PRELOAD", "").replace(":", " ").split():
        if "tcmalloc" in lib or "jemalloc" in lib:
            return lib
    return None


def describe():
    """One line: the allocator this process runs, for the benchmark's JSON line."""
    lib = preloaded()
    if lib:
        return ("tcmalloc" if "tcmalloc" in lib else "jemalloc") + " (LD_PRELOAD " + lib + ")"
    if os.environ.get("TOPIARY_PYTORCH_MALLOC") == "system":
        return "glibc malloc (TOPIARY_PYTORCH_MALLOC=system)"
    return "glibc malloc (tcmalloc not installed: apt-get install libgoogle-perftools4)"


def _reexec():
    if os.environ.get("TOPIARY_PYTORCH_MALLOC") == "system" or preloaded() or "torch" in sys.modules:
        return
    lib = find_tcmalloc()
    if lib is None:
        print("pytorch allocator: glibc malloc; PyTorch's CPU guide recommends tcmalloc or jemalloc "
              "(apt-get install libgoogle-perftools4)", file=sys.stderr)
        return
    env = dict(os.environ)
    env["LD_PRELOAD"] = (lib + " " + env["LD_PRELOAD"]).strip() if env.get("LD_PRELOAD") else lib
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    except OSError as e:
        print(f"pytorch allocator: could not re-execute {sys.executable} under {lib} ({e}); glibc malloc",
              file=sys.stderr)


_reexec()
