#!/usr/bin/env bash
# Coverage-guided fuzzing of the request parser and the decision pipeline with AFL++ and SharpFuzz (outside CI).
#   apt-get install -y afl++ && dotnet tool install --global SharpFuzz.CommandLine
#   tests/Policy.Fuzz/run-afl.sh [seconds]        (default 600; findings in tests/Policy.Fuzz/findings)
# A crash AFL finds is a file under findings/default/crashes: copy it to tests/Gateway.Tests/Fuzz/crashes/ and the
# normal suite replays it from then on (Fuzz/FuzzTests.cs).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
out=bin/afl
dotnet publish Policy.Fuzz.csproj -c Release -o "$out" --nologo
# Instrument only the code under test (AFL's edge coverage comes from these assemblies).
sharpfuzz "$out/AgentOperator.Policy.dll"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1
timeout --preserve-status "$seconds" afl-fuzz -i seeds -o findings -t 10000 -m none -- dotnet "$out/Policy.Fuzz.dll" || true
ls findings/default/crashes 2>/dev/null | grep -v README || echo "no crashes"
