#!/usr/bin/env bash
# CI smoke run of the benchmark tools: 200 nodes through the fleet emulator (emulated Ironic and
# ramdisks) against our service. Exits non-zero unless every node finished; never checks a time.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
dotnet build -c Release bench/Inspector.Bench -nologo -v quiet
dotnet bench/Inspector.Bench/bin/Release/net10.0/Inspector.Bench.dll --smoke --out "${TMPDIR:-/tmp}/inspector-bench-smoke" "$@"
