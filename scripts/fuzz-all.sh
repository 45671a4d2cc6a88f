#!/usr/bin/env bash
# Fuzzes every Jazzer target in turn (Jazzer fuzzes one target per run), each until 10 M executions or 15 minutes,
# the bounds on its @FuzzTest. Prints each target's last libFuzzer status line (executions, exec/s).
#   scripts/fuzz-all.sh                      # all targets
#   scripts/fuzz-all.sh 'DnsFuzzTargetsTest#answer'   # one target
#   MAX_SECONDS=300 nice -n 19 scripts/fuzz-all.sh     # each target at most 300 s (libFuzzer's -max_total_time,
#                                                      # given after the annotation's, so it wins), at lowest priority
# Crashes become reproducers under simulator-core/src/test/resources/.../<TestClass>Inputs/<method>/; commit them
# with the fix, and the plain 'mvn verify' replays them from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(
    'ClassifyFuzzTargetsTest#clientHello' 'ClassifyFuzzTargetsTest#httpHost' 'ClassifyFuzzTargetsTest#quicInitial'
    'ClassifyFuzzTargetsTest#stun' 'ClassifyFuzzTargetsTest#rtpRtcp' 'ClassifyFuzzTargetsTest#dtls'
    'ClassifyFuzzTargetsTest#dnsRecogniser' 'DnsFuzzTargetsTest#queryReader' 'DnsFuzzTargetsTest#answer'
    'CaptureFuzzTargetsTest#captureReaders' 'LoaderFuzzTargetsTest#policy' 'LoaderFuzzTargetsTest#scenario'
    'SocksHandshakeFuzzTest#socksHandshake'
  )
fi
mkdir -p target/fuzz
for t in "${targets[@]}"; do
  log="target/fuzz/${t//#/-}.log"
  # jazzer.internal.arg.N are Jazzer JUnit's extra libFuzzer arguments (arg.0 stands for argv[0]).
  mvn -o -B -Pfuzz -pl simulator-core test -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false \
      ${MAX_SECONDS:+-Djazzer.internal.arg.0=censorsim -Djazzer.internal.arg.1=-max_total_time=$MAX_SECONDS} \
      >"$log" 2>&1 || true
  last=$(grep -aE '^#[0-9]+' "$log" | tail -1 || true)
  crash=$(grep -aE 'Java Exception|== Java|crash-|FuzzTestFindingException' "$log" | head -1 || true)
  echo "$t: ${last:-no libFuzzer status line, see $log}${crash:+  FINDING: $crash}"
done
