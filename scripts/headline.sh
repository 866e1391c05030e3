#!/usr/bin/env bash
# The paper's headline at stories260K scale (issue 5): prune to about half, distill (logit-only)
# on tinystories text plus teacher-generated text, and compare with the same shape trained from
# scratch on the same tokens; also width vs depth pruning at equal size, and logit-only vs
# logit + intermediate-state losses. Writes runs/headline/ and docs/headline.svg; prints a summary.
#   scripts/headline.sh [TOKENS_PER_RUN]        (default 1000000; about 4 minutes per run on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
TOKENS=${1:-1000000}
S=../shared
T=$S/models/stories260K-hf
TXT=$S/data/tinystories-valid-head/tinystories_valid_head.txt
R=runs/headline
mkdir -p "$R"
common=(--tokens "$TOKENS" --seq-len 128 --batch 8 --lr 2e-3 --warmup 50 --eval-every 50 --val-batches 10 --checkpoint-every 250)

# 1. teacher-generated text, then calibration scores on the real text
[ -f "$R/synth.jsonl" ] || ./topiary synth "$T" --samples 800 --max-tokens 256 --temperature 1.0 --top-p 0.95 --out "$R/synth.jsonl"
[ -f "$R/scores.json" ] || ./topiary importance "$T" --data "$TXT" --samples 256 --seq-len 128 --out "$R/scores.json"

# 2. two students of about half the teacher's 260K parameters
[ -d "$R/width" ] || ./topiary prune "$T" --scores "$R/scores.json" --hidden 48 --ffn 96 --heads 4 --out "$R/width"   # 124,944
[ -d "$R/depth" ] || ./topiary prune "$T" --scores "$R/scores.json" --layers 2 --out "$R/depth"                         # 123,712

run() { local name=$1; shift; [ -f "$R/$name/model/model.safetensors" ] || "$@" --out "$R/$name" "${common[@]}" --data "$R/synth.jsonl" "$TXT"; }
run width-kd      ./topiary distill --teacher "$T" --student "$R/width"
run width-scratch ./topiary train --config "$R/width/config.json" --tokenizer "$T"
run depth-kd      ./topiary distill --teacher "$T" --student "$R/depth"
run width-kd-inter ./topiary distill --teacher "$T" --student "$R/width" --intermediate cosine

./topiary plot "$R/width-kd/metrics.jsonl=width-pruned, distilled (logit KD)" \
  "$R/width-scratch/metrics.jsonl=same shape, from scratch (cross-entropy)" \
  "$R/depth-kd/metrics.jsonl=depth-pruned, distilled" \
  "$R/width-kd-inter/metrics.jsonl=width-pruned, logit + intermediate KD" \
  --out docs/headline.svg --title "stories260K -> ~125K parameters: validation loss on held-out TinyStories"

# 3. how many tokens the distilled student needs to reach the from-scratch model's final loss
python3 - "$R" <<'PY'
import json, sys
R = sys.argv[1]
def curve(name):
    pts = []
    for line in open(f"{R}/{name}/metrics.jsonl"):
        n = json.loads(line)
        if "val_loss" in n:
            pts.append((n.get("tokens", 0), n["val_loss"]))
    return pts
scratch = curve("width-scratch")
final = scratch[-1][1]
for name in ["width-kd", "depth-kd", "width-kd-inter"]:
    c = curve(name)
    reach = next((t for t, v in c if v <= final and t > 0), None)
    ratio = f"{scratch[-1][0] / reach:.1f}x fewer tokens" if reach else "did not reach it"
    print(f"{name:15s} final val loss {c[-1][1]:.4f}; reaches from-scratch final {final:.4f} after {reach} tokens: {ratio}")
print(f"{'width-scratch':15s} final val loss {final:.4f} after {scratch[-1][0]} tokens")
PY
