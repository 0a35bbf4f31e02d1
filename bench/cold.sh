#!/usr/bin/env bash
# Issue 12 (c) and (d), docs/performance.md: (c) a cold `./build.sh Deploy` in a fresh clone of HEAD (NuGet cache, the Debian
# package cache and installed system tools present, as on a developer laptop), then (d) a plain serial bash script making the
# same tool calls for the shared part — dotnet publish of the four images, a trivy CycloneDX SBOM of each, helm template and
# trivy config (with policies/) per environment, podman kube play — in that clone, against the same embedded registry and base.
# The ratio (c)/(d) of the shared part is the engine's cost. Usage: bench/cold.sh [clone-dir]   (default: /tmp/clustersnek-cold)
# The clone's release is taken down at the end (./build.sh Down); the clone is left for inspection.
# bench/cold.sh DIR --serial-only repeats (d) in a clone where (c) ran (its registry is started again with --keep-registry).
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
clone="${1:-/tmp/clustersnek-cold}"
seconds() { awk -v ms=$(( ($2 - $1) / 1000000 )) 'BEGIN { printf "%.1f", ms / 1000 }'; }
if [ "${2:-}" != "--serial-only" ]; then
  rm -rf "$clone"
  git clone --quiet --no-local "$src" "$clone"
  cd "$clone"
  # The build project is compiled first (as on any fresh clone), outside the timed Deploy: (c) is the pipeline's own time.
  ./build.sh --help > build-compile.log 2>&1
  start=$(date +%s%N)
  ./build.sh Deploy --keep-registry > cold.log 2>&1 || { tail -n 30 cold.log >&2; echo "cold Deploy failed: $clone/cold.log" >&2; exit 1; }
  end=$(date +%s%N)
  grep -q "Verify passed" cold.log || { echo "Verify did not pass: $clone/cold.log" >&2; exit 1; }
  echo "(c) cold ./build.sh Deploy in a fresh clone: $(seconds "$start" "$end") s (per target: the table at the end of $clone/cold.log)"
else
  cd "$clone"
  ./build.sh VerifySignatures --keep-registry > serial-registry.log 2>&1 || { tail -n 5 serial-registry.log >&2; exit 1; }
fi

# (d) the same tool calls, one after another, no engine: the tools the pipeline installed, its registry and its base image.
registry=$(python3 -c "import json; print(json.load(open('artifacts/pipeline.json'))['images'][0]['reference'].split('/')[0])")
base=$(python3 -c "import json; d=json.load(open('artifacts/pipeline.json')); print(d['images'][0]['baseDigest'])")
trivy=$(ls .nuke/tools/trivy/*/trivy 2>/dev/null | head -n 1)
helm=$(ls .nuke/tools/helm/*/helm 2>/dev/null | head -n 1)
[ -x "$trivy" ] && [ -x "$helm" ] || { echo "trivy/helm not found under .nuke/tools" >&2; exit 1; }
work=$(mktemp -d /tmp/clustersnek-serial-XXXX)
sed -n '/^ai-agent:/,$p' artifacts/releases/dev/run-values.yaml > "$work/images.yaml"   # the digests, as PolicyTest renders with them
export DOTNET_CONTAINER_INSECURE_REGISTRIES="$registry"
rm -rf src/services/*/bin src/services/*/obj src/services/common/bin src/services/common/obj   # as cold as (c): restore and compile again
start=$(date +%s%N)
for s in frontend backend ai-agent mcp-server; do
  dotnet publish "src/services/$s" -c Release -r linux-x64 --self-contained -t:PublishContainer --nologo -v q \
    "-p:ContainerBaseImage=$registry/base/dotnet-deps@$base" "-p:ContainerRegistry=$registry" "-p:ContainerRepository=serial/$s" \
    "-p:ContainerImageTag=bench" > "$work/$s.publish.log"
  skopeo copy --quiet --src-tls-verify=false "docker://$registry/serial/$s:bench" "docker-archive:$work/$s.tar"
  "$trivy" image --input "$work/$s.tar" --cache-dir "$work/trivy-cache" --format cyclonedx --output "$work/$s.cdx.json" --quiet
done
for env in dev staging prod; do
  mkdir -p "$work/$env"
  "$helm" template clustersnek charts/clustersnek --namespace "clustersnek-$env" --values "charts/clustersnek/values-$env.yaml" \
    --values "$work/images.yaml" > "$work/$env/manifests.yaml"
  "$trivy" config --cache-dir "$work/trivy-cache-$env" --config-policy policies/rego --policy-namespaces user --skip-policy-update \
    --format json --output "$work/$env.json" --quiet "$work/$env" || true
done
end=$(date +%s%N)
echo "(d) the same tool calls from a serial bash script (4× publish + export + SBOM, 3× template + config): $(seconds "$start" "$end") s"
echo "   compare with (c)'s critical path for the same part: BuildImages + Sbom (+ PolicyTest beside them) in $clone/cold.log"
./build.sh Down > down.log 2>&1 || true
pid=$(python3 -c "import json; print(json.load(open('artifacts/registry/registry.json')).get('pid') or '')")
[ -n "$pid" ] && kill "$pid" 2>/dev/null || true   # the registry --keep-registry left for (d)
