#!/usr/bin/env bash
# Real-size models on this machine: init, inspect, importance, prune (width and depth), eval, generate and
# export of a Llama-3.2-1B-shaped and a Llama-3.1-8B-shaped bf16 checkpoint (random weights: the mechanics
# and the costs are those of the real models; the text they write is noise). Each step runs under
# /usr/bin/time -v; the table of wall time and peak RSS goes to runs/scale/table.md.
#
#   scripts/scale.sh [1b|8b|all] [LLAMA_BENCH]
#
# LLAMA_BENCH, when given, is llama.cpp's llama-bench binary (built from source outside this repository, see
# scripts/bench-llamacpp.sh): it runs on the exported BF16 GGUF with the same thread count, in the same run.
# Disk: about 2.5 GB for 1b, 45 GB for 8b (model, pruned models, GGUF); memory: see the table.
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-1b}"
bench="${2:-}"
out=runs/scale
mkdir -p "$out"
data=../shared/data/tinystories-valid-head/tinystories_valid_head.txt
if [ ! -f "$data" ]; then
  data="$out/corpus.txt"
  for i in $(seq 1 400); do echo "Once upon a time, story $i: a small dog ran to the park and met a friend."; done > "$data"
fi
head -c 3000 "$data" > "$out/eval-3000.txt"
head -c 1000 "$data" > "$out/eval-1000.txt"
threads=$(nproc)
table="$out/table-$which.md"
echo "| model | step | wall time | peak RSS | note |" > "$table"
echo "|---|---|---:|---:|---|" >> "$table"

step() { # name, model label, note, command...
  local name="$1" label="$2" note="$3"; shift 3
  local log="$out/$label-$name.log"
  echo "== $label: $name"
  /usr/bin/time -v "$@" > "$log" 2>&1 || { echo "failed: see $log"; tail -5 "$log"; exit 1; }
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  printf '| %s | %s | %s | %.2f GiB | %s |\n' "$label" "$name" "$wall" "$(echo "$rss / 1048576" | bc -l)" "$note" >> "$table"
  grep -v -e WARNING -e '^\s' -e 'INFO' "$log" | grep -v -e '^Command being' | tail -3 || true
}

run_shape() { # preset, label, width hidden, width ffn, depth layers, eval bytes
  local preset="$1" label="$2" hid="$3" ffn="$4" depth="$5" evalBytes="$6"
  local m="$out/$label"
  rm -rf "$m" "$m-width" "$m-depth"
  step init "$label" "$preset, bf16, random" ./topiary init "$preset" --out "$m" --dtype BF16
  step inspect "$label" "" ./topiary inspect "$m"
  step importance "$label" "8 x 256 tokens, layer by layer" ./topiary importance "$m" --data "$data" --samples 8 --seq-len 256 --out "$m-scores.json"
  step prune-width "$label" "hidden $hid, ffn $ffn" ./topiary prune "$m" --scores "$m-scores.json" --hidden "$hid" --ffn "$ffn" --out "$m-width"
  step prune-depth "$label" "$depth layers by Block Influence" ./topiary prune "$m" --scores "$m-scores.json" --layers "$depth" --out "$m-depth"
  step eval "$label" "perplexity, $evalBytes bytes, windows of 256" ./topiary eval "$m" --data "$out/eval-$evalBytes.txt" --seq-len 256 --stride 256
  step generate "$label" "64-token prompt, 32 new" ./topiary generate "$m" --prompt "$(head -c 64 "$data" | tr '\n' ' ')" --max-tokens 32 --temperature 0
  step export-gguf "$label" "GGUF BF16" ./topiary export "$m" --format gguf --dtype BF16 --out "$m.gguf" --no-read-back
  if [ -n "$bench" ]; then
    step llama-bench "$label" "llama.cpp, $threads threads, pp64 tg32" "$bench" -m "$m.gguf" -t "$threads" -p 64 -n 32 -r 2
  fi
}

case "$which" in
  1b) run_shape Llama-3.2-1B llama-3.2-1b 1536 6144 12 3000 ;;
  8b) run_shape Llama-3.1-8B llama-3.1-8b 3072 9216 16 1000 ;;
  all) run_shape Llama-3.2-1B llama-3.2-1b 1536 6144 12 3000; run_shape Llama-3.1-8B llama-3.1-8b 3072 9216 16 1000 ;;
  *) echo "usage: scripts/scale.sh [1b|8b|all] [LLAMA_BENCH]" >&2; exit 2 ;;
esac
echo; cat "$table"
