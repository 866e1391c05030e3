#!/usr/bin/env bash
# Long fuzzing runs (issue 14): each fuzz target of the test suite for many more inputs than the build runs.
#   scripts/fuzz.sh                      every target, 10^6 inputs each (hours on 2 cores)
#   scripts/fuzz.sh 20000 gguf jsonl     20000 inputs, two targets
#   FUZZ_SEED=7 scripts/fuzz.sh ...      another random stream (default: the build's)
# Targets: safetensors gguf llama2c llama2c-tokenizer config-json tokenizer-json jsonl chat-template.
# A failing input is saved under target/fuzz-failures/; replay it with
#   mvn -o test -Dtest=ParsersFuzzTest -Dtopiary.fuzz.replay=target/fuzz-failures/FILE
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(safetensors gguf llama2c llama2c-tokenizer config-json tokenizer-json jsonl chat-template)
SEED=${FUZZ_SEED:-20251201}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
for t in "${TARGETS[@]}"; do
  case "$t" in
    safetensors) test='ParsersFuzzTest#safetensors' ;;
    gguf) test='ParsersFuzzTest#gguf' ;;
    llama2c) test='ParsersFuzzTest#llama2c' ;;
    llama2c-tokenizer) test='ParsersFuzzTest#llama2cTokenizer' ;;
    config-json) test='ParsersFuzzTest#configJson' ;;
    tokenizer-json) test='ParsersFuzzTest#tokenizerJson' ;;
    jsonl) test='ParsersFuzzTest#jsonlReaders' ;;
    chat-template) test='ChatTemplateFuzzTest' ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
  echo "== $t: $N inputs"
  start=$(date +%s)
  mvn -q -o test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false -Dtopiary.fuzz.iterations="$N" \
      -Dtopiary.fuzz.seed="$SEED" -Dsurefire.timeout=0 2>&1 | grep -E '^fuzz |FAIL|ERROR\]' || true
  echo "   $(( $(date +%s) - start )) s"
done
