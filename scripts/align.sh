#!/usr/bin/env bash
# A small aligned model end to end (issue 7): a synthetic instruction set, then stories260K evaluated
# before SFT, after SFT and after DPO on held-out prompts with programmatic verifiers.
#   scripts/align.sh            (about 3 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
M=../shared/models/stories260K-hf
R=runs/align
mkdir -p "$R"
./topiary chatset --out "$R/data" --train 900 --eval 90
echo "== before SFT";  ./topiary eval "$M" --task "$R/data/eval.jsonl" --max-new-tokens 48 | tee "$R/eval-base.txt"
[ -f "$R/sft/model/model.safetensors" ] || ./topiary sft "$M" --data "$R/data/sft.jsonl" --out "$R/sft" --seq-len 128 --batch 8 \
    --steps 400 --lr 2e-3 --eval-every 100
echo "== after SFT";   ./topiary eval "$R/sft/model" --task "$R/data/eval.jsonl" --max-new-tokens 48 | tee "$R/eval-sft.txt"
[ -f "$R/dpo/model/model.safetensors" ] || ./topiary dpo "$R/sft/model" --data "$R/data/prefs.jsonl" --out "$R/dpo" --seq-len 96 \
    --batch 8 --steps 60 --lr 3e-5 --beta 0.1 --eval-every 30
echo "== after DPO";   ./topiary eval "$R/dpo/model" --task "$R/data/eval.jsonl" --max-new-tokens 48 | tee "$R/eval-dpo.txt"
