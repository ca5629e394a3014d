#!/usr/bin/env bash
# CI smoke run of the benchmark tools: 200 nodes through the fleet emulator (emulated Ironic and
# ramdisks) against our service. Exits non-zero unless every node finished; never checks a time.
#
# Builds what it needs itself (the bench, the emulators and our web front; in Debug by default,
# which CI's `dotnet test Inspector.sln` has just built, so this is an up-to-date check), and
# talks to 127.0.0.1 only: the emulator, the web front and its embedded silo listen on loopback.
#   SMOKE_CONFIGURATION  Debug (default) or Release
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
configuration=${SMOKE_CONFIGURATION:-Debug}
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
dotnet build -c "$configuration" bench/Inspector.Bench -nologo -v quiet
out=$(mktemp -d "${TMPDIR:-/tmp}/inspector-bench-smoke.XXXXXX")
trap 'rm -rf "$out"' EXIT
dotnet "bench/Inspector.Bench/bin/$configuration/net10.0/Inspector.Bench.dll" --smoke --out "$out" "$@"
