#!/usr/bin/env bash
# Engine benchmarks (docs/performance.md): warm --help, a no-op rerun of a cached chain, engine overhead per target.
# Usage: bench/engine.sh   (from the repository root; runs Compile once first so the chain is cached)
set -euo pipefail
cd "$(dirname "$0")/.."
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

./build.sh --help >/dev/null   # builds the build project once
./build.sh Compile >/dev/null  # makes Restore and Compile cached

echo "warm ./build.sh --help (median of 10): $(for i in $(seq 10); do time_ms ./build.sh --help; done | median) ms"
echo "no-op ./build.sh Compile, Restore+Compile cached (median of 10): $(for i in $(seq 10); do time_ms ./build.sh Compile; done | median) ms"
dotnet run -c Release --project bench/ClusterSnek.Bench
