#!/usr/bin/env bash
# The inner loop (issue 12, docs/performance.md): (a) a no-op ./build.sh Deploy, (b) edit one service → Deploy verified.
# Usage: bench/loop.sh [service]   (from a checkout where ./build.sh Deploy has succeeded once; default service: backend)
# (b) appends a comment line to the service's first .cs file, deploys, then restores the file (so the next Deploy rebuilds
# that service once more). Each figure is one run: a Deploy takes long enough that the machine's load shows in it; say
# what else ran when you write a figure down.
set -euo pipefail
cd "$(dirname "$0")/.."
service="${1:-backend}"
file="$(ls src/services/"$service"/*.cs | head -n 1)"
seconds() { local s e; s=$(date +%s%N); "$@"; e=$(date +%s%N); awk -v ms=$(( (e - s) / 1000000 )) 'BEGIN { printf "%.1f", ms / 1000 }'; }
deploy() { ./build.sh Deploy > "$1" 2>&1 || { echo "Deploy failed, see $1" >&2; tail -n 20 "$1" >&2; exit 1; }; }

mkdir -p artifacts/bench
./build.sh Deploy > artifacts/bench/warmup.log 2>&1 || true   # the loop starts from a deployed, verified release

noop=$(seconds deploy artifacts/bench/noop.log)
echo "(a) no-op ./build.sh Deploy: ${noop} s"

cp "$file" artifacts/bench/edited.orig
trap 'cp artifacts/bench/edited.orig "$file"' EXIT
echo "// bench/loop.sh: $(date -u +%FT%TZ)" >> "$file"
edit=$(seconds deploy artifacts/bench/edit.log)
grep -q "Verify passed" artifacts/bench/edit.log || { echo "Verify did not pass, see artifacts/bench/edit.log" >&2; exit 1; }
echo "(b) edit $file → ./build.sh Deploy, Verify passed: ${edit} s"
echo "per-target durations of (b): artifacts/bench/edit.log (summary table at the end)"
