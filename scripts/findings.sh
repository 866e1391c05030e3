#!/usr/bin/env bash
# The Minitron papers' findings, re-measured at stories260K scale (issue 12). Every student has about
# half the teacher's 260K parameters and gets the same distillation budget unless said otherwise:
#   (a) distilled vs trained from scratch, same shape and tokens
#   (b) depth vs width pruning: zero-shot loss, and loss after the same KD
#   (c) on the depth-pruned student: logit-only KD vs CE + KD vs logit + intermediate states
#   (d) importance aggregations (sequence / batch), each width-pruned student ranked after the same short KD
#   (e) with vs without teacher correction when the distillation corpus (gutenberg-en) is not the teacher's
#   (f) one-shot vs iterative pruning (prune, distil, re-score, prune again) to the same shape
# Losses are mean cross-entropy (nats/token) on the held-out last 5% of the corpus, which neither
# calibration nor training touches. Writes runs/findings/ and prints a Markdown table (findings.md).
#   scripts/findings.sh [TOKENS_PER_RUN]        (default 80000; about 7 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
TOKENS=${1:-80000}
HALF=$((TOKENS / 2))
S=../shared
T=$S/models/stories260K-hf
TXT=$S/data/tinystories-valid-head/tinystories_valid_head.txt
G=$S/data/gutenberg-en
R=runs/findings
mkdir -p "$R"
common=(--seq-len 128 --batch 8 --lr 2e-3 --eval-every 25 --val-batches 10 --checkpoint-every 1000)
WIDTH=(--hidden 48 --ffn 96 --heads 4)      # 124,944 parameters
DEPTH=(--layers 2)                          # 123,712 parameters (Block Influence)
start=$(date +%s)

imp() { local out=$1; shift; [ -f "$out" ] || ./topiary importance "$@" --samples 64 --seq-len 128 --out "$out" >/dev/null; }
prune() { local out=$1; shift; [ -d "$out" ] || ./topiary prune "$@" --out "$out" >/dev/null; }
kd() { local name=$1 tokens=$2; shift 2
  [ -f "$R/$name/model/model.safetensors" ] || ./topiary distill --out "$R/$name" --tokens "$tokens" "${common[@]}" "$@" >/dev/null; }

imp "$R/scores.json" "$T" --data "$TXT"
prune "$R/width" "$T" --scores "$R/scores.json" "${WIDTH[@]}"
prune "$R/depth" "$T" --scores "$R/scores.json" "${DEPTH[@]}"

# (a) + (b)
kd width-kd "$TOKENS" --teacher "$T" --student "$R/width" --data "$TXT"
[ -f "$R/width-scratch/model/model.safetensors" ] || ./topiary train --config "$R/width/config.json" --tokenizer "$T" \
  --out "$R/width-scratch" --tokens "$TOKENS" "${common[@]}" --data "$TXT" >/dev/null
kd depth-kd "$TOKENS" --teacher "$T" --student "$R/depth" --data "$TXT"
# (c)
kd depth-ce-kd "$TOKENS" --teacher "$T" --student "$R/depth" --data "$TXT" --ce-weight 0.5
kd depth-kd-inter "$TOKENS" --teacher "$T" --student "$R/depth" --data "$TXT" --intermediate cosine
# (d) the default (mean, l2) is width-kd's scores; three others, short KD
for agg in "l2 l2" "mean mean" "var mean"; do
  set -- $agg; name="agg-$1-$2"
  imp "$R/$name.json" "$T" --data "$TXT" --seq-agg "$1" --batch-agg "$2"
  prune "$R/$name" "$T" --scores "$R/$name.json" "${WIDTH[@]}"
  kd "$name-kd" "$HALF" --teacher "$T" --student "$R/$name" --data "$TXT"
done
kd agg-mean-l2-kd "$HALF" --teacher "$T" --student "$R/width" --data "$TXT"
# (e) distillation corpus = Gutenberg (not the teacher's TinyStories); validation on its last file's tail
GD=("$G/pg1342.txt" "$G/pg11.txt")
imp "$R/g-scores.json" "$T" --data "$G/pg1342.txt"
prune "$R/g-width" "$T" --scores "$R/g-scores.json" "${WIDTH[@]}"
kd g-kd "$TOKENS" --teacher "$T" --student "$R/g-width" --data "${GD[@]}"
[ -f "$R/g-corrected/model/model.safetensors" ] || ./topiary correct "$T" --out "$R/g-corrected" --tokens "$HALF" \
  --seq-len 128 --batch 8 --lr 5e-4 --eval-every 25 --val-batches 10 --checkpoint-every 1000 --data "${GD[@]}" >/dev/null
imp "$R/gc-scores.json" "$R/g-corrected/model" --data "$G/pg1342.txt"
prune "$R/gc-width" "$R/g-corrected/model" --scores "$R/gc-scores.json" "${WIDTH[@]}"
kd gc-kd "$TOKENS" --teacher "$R/g-corrected/model" --student "$R/gc-width" --data "${GD[@]}"
# (f) iterative: half the way (hidden 56, ffn 134, 8 heads), distil half the tokens, re-score, prune to the same shape
prune "$R/it1" "$T" --scores "$R/scores.json" --hidden 56 --ffn 134
kd it1-kd "$HALF" --teacher "$T" --student "$R/it1" --data "$TXT"
imp "$R/it1-scores.json" "$R/it1-kd/model" --data "$TXT"
prune "$R/it2" "$R/it1-kd/model" --scores "$R/it1-scores.json" "${WIDTH[@]}"
kd it2-kd "$HALF" --teacher "$T" --student "$R/it2" --data "$TXT"

python3 - "$R" "$TOKENS" "$HALF" "$(( $(date +%s) - start ))" <<'PY' | tee "$R/findings.md"
import json, sys
R, tokens, half, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def vals(name):
    pts = [json.loads(l) for l in open(f"{R}/{name}/metrics.jsonl") if "val_loss" in l]
    return pts[0]["val_loss"], pts[-1]["val_loss"], pts[-1].get("val_kl")
def row(label, name):
    z, f, kl = vals(name)
    kl = f"{kl:.4f}" if kl is not None else "-"
    print(f"| {label} | {z:.4f} | {f:.4f} | {kl} |")
print(f"Students of ~125K parameters from stories260K (teacher 260K); {tokens:,} tokens per run unless noted; "
      f"held-out loss in nats/token (start = before training). Whole script: {secs} s.\n")
print("| run | loss at start | final loss | final KL to teacher |\n|---|---|---|---|")
print("| **(a) distilled vs scratch** | | | |")
row("width 48/96/4, logit KD", "width-kd"); row("same shape from scratch, CE", "width-scratch")
print("| **(b) depth vs width** | | | |")
row("width 48/96/4 heads (5 layers)", "width-kd"); row("depth 2 layers (Block Influence)", "depth-kd")
print("| **(c) losses, depth-pruned student** | | | |")
row("logit KD only", "depth-kd"); row("CE + KD (ce-weight 0.5)", "depth-ce-kd"); row("logit + intermediate (cosine)", "depth-kd-inter")
print(f"| **(d) importance aggregation (seq, batch), {half:,} tokens** | | | |")
for a in ["mean-l2", "l2-l2", "mean-mean", "var-mean"]:
    row(f"{a.replace('-', ', ')}", f"agg-{a}-kd")
print("| **(e) Gutenberg corpus** | | | |")
row("no teacher correction", "g-kd"); row(f"teacher corrected first ({half:,} tokens)", "gc-kd")
print(f"| **(f) one-shot vs iterative** | | | |")
row("one-shot to 48/96/4", "width-kd"); row(f"iterative: 56/134/8, {half:,} tokens KD", "it1-kd")
row(f"... re-scored, to 48/96/4, {half:,} tokens KD", "it2-kd")
PY
