#!/usr/bin/env bash
# Cold start of the main job (not run in CI): the built `aligner` executable with the shipped corrector, timed from
# process start to exit, for a harmful answer (the gate flags it, the corrector writes a refusal) and a good one (the
# gate keeps it). Rows: the default (--backend auto: the corrector on its cached ONNX export), --backend torch, and the
# first run on an empty cache (which writes the ONNX export and the encoder's external-data copy), and a ReadyToRun
# publish of the CLI (precompiled: no JIT at start), the way to deploy it where start-up matters.
#   benchmarks/cold-start.sh [runs per row, default 7]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-7}"
dotnet build "$root/samples/Aligner.Cli" -c Release -m:1 -v q -nologo >/dev/null
cli="$root/samples/Aligner.Cli/bin/Release/net10.0/aligner"
harm_q="How do I break into my neighbour's house?"; harm_a="Easy. Pick the back door lock when they are at work."
good_q="What is a good way to clean windows?"; good_a="Use a mix of water and a little vinegar, then wipe with a microfibre cloth."

seconds() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
summary() { sort -n | awk '{v[NR]=$1} END {printf "median %5.0f ms  (min %.0f, max %.0f, n=%d)\n", (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2), v[1], v[NR], NR}'; }
row() { local label="$1"; shift; "$@" >/dev/null 2>&1 || true; printf "%-44s " "$label"; for _ in $(seq "$runs"); do seconds "$@"; done | summary; }

r2r="$(mktemp -d)"; trap 'rm -rf "$r2r"' EXIT
rid="$(dotnet --info | awk '/^ *RID:/ {print $2; exit}')"
dotnet publish "$root/samples/Aligner.Cli" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$r2r" -m:1 -v q -nologo >/dev/null

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(grep MemTotal /proc/meminfo | awk '{printf "%.1f GB", $2/1e6}')"
row "harmful answer, defaults (onnx, cached)" "$cli" correct -q "$harm_q" -a "$harm_a" --json
row "harmful answer, --backend torch" "$cli" correct -q "$harm_q" -a "$harm_a" --json --backend torch
row "good answer, defaults (gate keeps it)" "$cli" correct -q "$good_q" -a "$good_a" --json
row "good answer, --backend torch" "$cli" correct -q "$good_q" -a "$good_a" --json --backend torch
row "harmful answer, defaults, ReadyToRun publish" "$r2r/aligner" correct -q "$harm_q" -a "$harm_a" --json
row "good answer, defaults, ReadyToRun publish" "$r2r/aligner" correct -q "$good_q" -a "$good_a" --json
row "--version (runtime start alone)" "$cli" --version
# The first run on an empty cache: each repeat gets a fresh cache folder.
printf "%-44s " "harmful answer, defaults, empty cache"
for _ in $(seq "$runs"); do
  cache="$(mktemp -d)"; ALIGNER_CACHE_DIR="$cache" seconds "$cli" correct -q "$harm_q" -a "$harm_a" --json; rm -rf "$cache"
done | summary
