#!/usr/bin/env bash
# Topiary against llama.cpp on the same model file, same threads, same prompt and decode lengths.
#
#   scripts/bench-llamacpp.sh LLAMACPP_SRC_DIR [MODEL] [options]
#
#   LLAMACPP_SRC_DIR  a llama.cpp source tree you provide (nothing is downloaded); llama-bench is built
#                     there once, CPU only, into LLAMACPP_SRC_DIR/build-topiary (cmake, -DGGML_NATIVE=ON),
#                     unless LLAMACPP_SRC_DIR/build/bin/llama-bench exists already. With --no-amx it is
#                     built without AMX (for sandboxes whose CPU lists AMX but does not let programs use it:
#                     there llama.cpp dies of SIGILL on Q8_0 models), into build-topiary-noamx
#   MODEL             an HF folder, a .gguf or a llama2.c .bin (default: a random stories15M-shaped model
#                     made with `topiary init`); anything but a .gguf is exported with `topiary export`
#   --dtype D         GGUF type of the export: F32, F16, BF16, Q8_0 (default F32; ignored for a .gguf)
#   -p P -n N -r R    prompt tokens, generated tokens, repetitions (default 256, 64, 5)
#   -t T              threads for both (default: all cores)
#   --no-amx          see above
#   --out DIR         where the exported model and the JSON results go (default runs/bench-llamacpp)
#
# Prints llama-bench's table, topiary bench --model's, and the ratios topiary / llama.cpp for prefill
# (ppP) and decode (tgN). llama-bench reports the mean of its runs, topiary the median; both are
# printed with their spread; each run also appends one JSON line to DIR/summary.jsonl. Keep the
# machine otherwise idle while it runs.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
SRC=$1; shift
MODEL=""; NOAMX=""; DTYPE=F32; P=256; N=64; R=5; T=$(nproc); OUT=runs/bench-llamacpp
while [ $# -gt 0 ]; do
  case "$1" in
    --dtype) DTYPE=$2; shift 2 ;;
    -p) P=$2; shift 2 ;;
    -n) N=$2; shift 2 ;;
    -r) R=$2; shift 2 ;;
    -t) T=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-amx) NOAMX=1; shift ;;
    -h|--help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) MODEL=$1; shift ;;
  esac
done
# llama-bench sits in tools/ since mid-2025 and in examples/ before
[ -f "$SRC/CMakeLists.txt" ] && { [ -d "$SRC/tools/llama-bench" ] || [ -d "$SRC/examples/llama-bench" ]; } || {
  echo "bench-llamacpp: $SRC is not a llama.cpp source tree (no CMakeLists.txt and tools/ or examples/llama-bench)" >&2; exit 2; }
mkdir -p "$OUT"

# --- llama-bench, built once ---------------------------------------------------------------------
BUILD="$SRC/build-topiary${NOAMX:+-noamx}"
BENCH="$BUILD/bin/llama-bench"
EXTRA=()
# trees before mid-2025 build llama-bench only with the examples; later ones keep it in tools/
[ -d "$SRC/tools/llama-bench" ] && EXTRA=(-DLLAMA_BUILD_EXAMPLES=OFF) || EXTRA=(-DLLAMA_BUILD_EXAMPLES=ON)
[ -z "$NOAMX" ] || EXTRA+=("-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
                          "-DCMAKE_CXX_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16")
# a llama-bench the user built there already (cmake -B build) is used as it is
[ -x "$BENCH" ] || [ -n "$NOAMX" ] || [ ! -x "$SRC/build/bin/llama-bench" ] || BENCH="$SRC/build/bin/llama-bench"
if [ ! -x "$BENCH" ]; then
  echo "== building llama-bench in $BUILD (CPU only; several minutes on 2 cores)"
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF \
    -DGGML_METAL=OFF "${EXTRA[@]}" >"$OUT/cmake.log" 2>&1 || { tail -20 "$OUT/cmake.log"; exit 1; }
  cmake --build "$BUILD" --target llama-bench -j "$(nproc)" >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; exit 1; }
fi

# --- the model, as GGUF --------------------------------------------------------------------------
if [ -z "$MODEL" ]; then
  MODEL="$OUT/stories15M-random"
  [ -f "$MODEL/config.json" ] || ./topiary init stories15M --out "$MODEL" --dtype F32 >/dev/null
fi
case "$MODEL" in
  *.gguf) GGUF=$MODEL ;;
  *) GGUF="$OUT/$(basename "$MODEL" .bin)-$DTYPE.gguf"
     echo "== exporting $MODEL to $GGUF ($DTYPE)"
     ./topiary export "$MODEL" --format gguf --dtype "$DTYPE" --out "$GGUF" --no-read-back >/dev/null ;;
esac

# --- both benchmarks -----------------------------------------------------------------------------
echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $T threads, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== llama.cpp: $BENCH -m $GGUF -t $T -p $P -n $N -r $R"
"$BENCH" -m "$GGUF" -t "$T" -p "$P" -n "$N" -r "$R" -o json >"$OUT/llamacpp.json" 2>"$OUT/llamacpp.log" || {
  tail -20 "$OUT/llamacpp.log"; exit 1; }
python3 - "$OUT/llamacpp.json" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1])):
    test = f"pp{r['n_prompt']}" if r['n_gen'] == 0 else f"tg{r['n_gen']}"
    print(f"{test:8s} | {r['n_threads']:7d} | {r['avg_ts']:12.2f} | +- {r['stddev_ts']:8.2f} | {r['type_k']} cache, "
          f"{r['model_type']}, {r['model_size'] / 2**20:.1f} MiB")
EOF
echo "== topiary: ./topiary bench --model $GGUF -p $P -n $N -r $R (-Dtopiary.threads=$T)"
TOPIARY_JAVA_OPTS="${TOPIARY_JAVA_OPTS:-} -Dtopiary.threads=$T" \
  ./topiary bench --model "$GGUF" -p "$P" -n "$N" -r "$R" --json "$OUT/topiary.json"

python3 - "$OUT/llamacpp.json" "$OUT/topiary.json" "$OUT/summary.jsonl" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'EOF'
import json, sys, time
lc, lc_sd, build = {}, {}, None
for r in json.load(open(sys.argv[1])):
    k = 'decode' if r['n_prompt'] == 0 else 'prefill'
    lc[k], lc_sd[k] = r['avg_ts'], r['stddev_ts']
    build = f"{r.get('build_commit')} ({r.get('build_number')})"
tp = json.load(open(sys.argv[2]))
row = {"date": time.strftime("%Y-%m-%d %H:%M"), "model": tp["model"], "dtype": tp["dtype"], "threads": tp["threads"],
       "cpu": tp["cpu"], "load_before": sys.argv[4], "topiary_peak_rss_bytes": tp["peak_rss_bytes"],
       "llamacpp_build": build}
print(f"== topiary / llama.cpp (build {build})")
for k in ('prefill', 'decode'):
    if k in lc and k in tp:
        ours = tp[k]['tokens_per_s_median']
        print(f"{tp[k]['test']:8s} topiary {ours:10.1f}  llama.cpp {lc[k]:10.1f}  ratio {ours / lc[k]:.2f}x")
        row[k] = {"test": tp[k]['test'], "topiary": ours, "topiary_sd": tp[k]['tokens_per_s_sd'], "llamacpp": lc[k],
                  "llamacpp_sd": lc_sd[k], "ratio": ours / lc[k]}
for key in ("copy_bandwidth_bytes_per_s", "decode_bytes_per_s", "decode_bandwidth_fraction"):
    if key in tp:
        row[key] = tp[key]
with open(sys.argv[3], "a") as f:
    f.write(json.dumps(row) + "\n")
EOF
