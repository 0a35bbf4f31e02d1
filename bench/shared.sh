#!/usr/bin/env bash
# Issue 17, docs/performance.md: two fresh clones of HEAD sharing one registry and its shared cache. Clone A runs a cold
# `./build.sh Deploy` (its embedded registry is kept running); clone B then runs `./build.sh Deploy --registry <A's registry>`,
# so both use <registry>/clustersnek/cache (the default shared cache). Prints both times, B's summary rows, and whether the image
# digests are the same. Usage: bench/shared.sh [dir]   (default: /tmp/clustersnek-shared; A and B are folders in it)
# NuGet cache, Debian package cache and the system tools are present, as on a laptop; the build projects are compiled untimed.
# Logs go beside the clones (dir/a.deploy.log, dir/b.deploy.log), not into them: Scan hashes every file of the repository it scans.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/tmp/clustersnek-shared}"
seconds() { awk -v ms=$(( ($2 - $1) / 1000000 )) 'BEGIN { printf "%.1f", ms / 1000 }'; }
rm -rf "$dir" && mkdir -p "$dir"
for c in a b; do
  git clone --quiet --no-local "$src" "$dir/$c"
  (cd "$dir/$c" && ./build.sh --help > "$dir/$c.compile.log" 2>&1)
done

cd "$dir/a"
start=$(date +%s%N)
./build.sh Deploy --keep-registry > "$dir/a.deploy.log" 2>&1 || { tail -n 30 "$dir/a.deploy.log" >&2; echo "A's Deploy failed: $dir/a.deploy.log" >&2; exit 1; }
end=$(date +%s%N)
grep -q "Verify passed" "$dir/a.deploy.log" || { echo "A: Verify did not pass: $dir/a.deploy.log" >&2; exit 1; }
first=$(seconds "$start" "$end")
registry=$(python3 -c "import json; print(json.load(open('artifacts/pipeline.json'))['images'][0]['reference'].split('/')[0])")
./build.sh Down --registry "$registry" > /dev/null 2>&1 || true   # B deploys the same release on this machine

cd "$dir/b"
start=$(date +%s%N)
./build.sh Deploy --registry "$registry" > "$dir/b.deploy.log" 2>&1 || { tail -n 30 "$dir/b.deploy.log" >&2; echo "B's Deploy failed: $dir/b.deploy.log" >&2; exit 1; }
end=$(date +%s%N)
grep -q "Verify passed" "$dir/b.deploy.log" || { echo "B: Verify did not pass: $dir/b.deploy.log" >&2; exit 1; }
second=$(seconds "$start" "$end")
digests() { python3 -c "import json,sys; print(' '.join(i['service']+'='+i['digest'] for i in json.load(open(sys.argv[1]))['images']))" "$1"; }
same=$([ "$(digests "$dir/a/artifacts/pipeline.json")" = "$(digests "$dir/b/artifacts/pipeline.json")" ] && echo identical || echo DIFFERENT)
echo "A: cold ./build.sh Deploy in a fresh clone:                 $first s"
echo "B: ./build.sh Deploy in a second fresh clone, same registry: $second s  (A/B = $(awk -v a="$first" -v b="$second" 'BEGIN { printf "%.1f", a / b }')x)"
echo "image digests A vs B: $same"
grep -E "│ (BuildImages|Scan|Sbom|PackageCharts|PolicyTest) " "$dir/b.deploy.log" | sed 's/^/B  /' || true
./build.sh Down --registry "$registry" > /dev/null 2>&1 || true
pid=$(python3 -c "import json; print(json.load(open('$dir/a/artifacts/registry/registry.json')).get('pid') or '')")
[ -n "$pid" ] && kill "$pid" 2>/dev/null || true   # the registry --keep-registry left running
