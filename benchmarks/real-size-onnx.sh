#!/usr/bin/env bash
# Real-size check of the ONNX path (not run in CI): writes the Llama-2-7B-shaped checkpoint of real-size.sh (random bf16,
# ~13.5 GB), exports it with MatMulNBits int4 and int8 projections, runs `aligner correct --backend onnx` on each
# (wall time and peak RSS from /usr/bin/time), then deletes everything.
#   benchmarks/real-size-onnx.sh [folder (default /tmp/aligner-7b-shaped)]
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ck="${1:-/tmp/aligner-7b-shaped}"
cleanup() { rm -rf "$ck" "$ck-onnx-int4" "$ck-onnx-int8"; }
trap cleanup EXIT
dotnet build "$root/benchmarks/Aligner.RealSize" -c Release -m:1 -v q -nologo >/dev/null
dotnet build "$root/samples/Aligner.Cli" -c Release -m:1 -v q -nologo >/dev/null
bench="$root/benchmarks/Aligner.RealSize/bin/Release/net10.0/Aligner.RealSize"
cli="$root/samples/Aligner.Cli/bin/Release/net10.0/aligner"
tok="$root/.cache/tokenizers/llama2"; tokarg=(); [ -f "$tok/tokenizer.json" ] && tokarg=(--tokenizer "$tok")
"$bench" write "$ck" --layers 32 "${tokarg[@]}"
/usr/bin/time -f "page-cache read: %e s" cat "$ck"/*.safetensors > /dev/null
for q in int4 int8; do
  out="$ck-onnx-$q"; rm -rf "$out"
  /usr/bin/time -f "export $q: %e s wall, peak RSS %M KB" "$cli" export-onnx --model "$ck" --output "$out" --quantize $q 2>&1 | tail -2
  du -sh "$out"
  /usr/bin/time -f "correct $q: %e s wall, peak RSS %M KB, exit %x" "$cli" correct --backend onnx --model "$out" --gate none --facts none \
    -q "What is the capital of Australia? Please answer in one short sentence." -a "Sydney is the capital of Australia." --max-new-tokens 8 --json 2>&1 \
    | grep -E "\"generated_tokens\"|\"prompt_tokens\"|\"latency_ms\"|\"fallback_reason\"|correct $q:"
  rm -rf "$out"
done
