#!/usr/bin/env bash
# Coverage-guided fuzzing of the request parser and the decision pipeline with AFL++ and SharpFuzz.
#   apt-get install -y afl++ && dotnet tool install --global SharpFuzz.CommandLine
#   tests/Policy.Fuzz/run-afl.sh [seconds] [findings]   (default 600 s into tests/Policy.Fuzz/findings)
# AFL_FROM_BUILD=DIR fuzzes a copy of an existing build of this project (the test suite's, Fuzz/AflFuzzTests.cs)
# instead of publishing one. A crash AFL finds is a file under FINDINGS/default/crashes: copy it to
# tests/Gateway.Tests/Fuzz/crashes/ and the normal suite replays it from then on (Fuzz/FuzzTests.cs).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
findings="${2:-findings}"
if [ -n "${AFL_FROM_BUILD:-}" ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
  cp -r "$AFL_FROM_BUILD"/. "$out"/
else
  out=bin/afl
  dotnet publish Policy.Fuzz.csproj -c Release -o "$out" --nologo
fi
# Instrument only the code under test (AFL's edge coverage comes from these assemblies).
sharpfuzz "$out/AgentOperator.Policy.dll"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
# -V: stop after that many seconds; timeout guards the rare AFL that does not.
timeout --preserve-status $((seconds + 120)) afl-fuzz -V "$seconds" -i seeds -o "$findings" -t 10000 -m none -- dotnet "$out/Policy.Fuzz.dll" || true
ls "$findings"/default/crashes 2>/dev/null | grep -v README || echo "no crashes"
