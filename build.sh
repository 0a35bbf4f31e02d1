#!/usr/bin/env bash
# ClusterSnek entry point: ./build.sh <Target> [--parameter value...]   (./build.sh --help lists everything)
# Builds the build project once into .nuke/temp/build and reuses it until build/ or src/ClusterSnek.* change.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$ROOT/.nuke/temp/build"
STAMP="$OUT/.stamp"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 CLUSTERSNEK_ROOT="$ROOT"

find_dotnet() {
  if [ -n "${DOTNET_EXE:-}" ] && [ -x "$DOTNET_EXE" ]; then echo "$DOTNET_EXE"; return; fi
  for candidate in "$(command -v dotnet 2>/dev/null || true)" "$HOME/.dotnet/dotnet" /usr/share/dotnet/dotnet /usr/lib/dotnet/dotnet; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" --list-sdks 2>/dev/null | grep -q '^10\.'; then echo "$candidate"; return; fi
  done
  echo "error: the .NET 10 SDK was not found. Install it (Debian/Ubuntu: 'apt-get install -y dotnet-sdk-10.0', or see https://dot.net/download) or set DOTNET_EXE." >&2
  exit 2
}

needs_build() {
  [ -f "$STAMP" ] || return 0
  [ -f "$OUT/_build.dll" ] || return 0
  local newer
  newer=$(find "$ROOT/build" "$ROOT"/src/ClusterSnek.* "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" "$ROOT/global.json" \
    \( -name bin -o -name obj \) -prune -o -type f -newer "$STAMP" -print -quit 2>/dev/null)
  [ -n "$newer" ]
}

DOTNET="$(find_dotnet)"
if needs_build; then
  echo "Building the build project (once; reused until build/ or src/ changes)..."
  mkdir -p "$OUT"
  if ! "$DOTNET" build "$ROOT/build/_build.csproj" -c Release -o "$OUT" --nologo -v quiet -clp:ErrorsOnly\;NoSummary >"$OUT/../build.log" 2>&1; then
    cat "$OUT/../build.log" >&2
    echo "error: the build project does not compile (log above, also in .nuke/temp/build.log)." >&2
    exit 2
  fi
  touch "$STAMP"
fi
exec "$DOTNET" "$OUT/_build.dll" "$@"
