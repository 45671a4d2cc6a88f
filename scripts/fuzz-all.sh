#!/usr/bin/env bash
# Fuzzes every Jazzer target in turn (Jazzer fuzzes one target per run), each until 10 M executions or 15 minutes,
# the bounds on its @FuzzTest. Prints each target's last libFuzzer status line (executions, exec/s).
#   scripts/fuzz-all.sh                      # all targets
#   scripts/fuzz-all.sh 'DnsFuzzTargetsTest#answer'   # one target
#   MAX_SECONDS=300 nice -n 19 scripts/fuzz-all.sh     # each target at most 300 s (libFuzzer's -max_total_time,
#                                                      # given after the annotation's, so it wins), at lowest priority
#   UNTIL=12:25 MAX_SECONDS=300 nice -n 19 scripts/fuzz-all.sh   # also never run past 12:25 (date -d syntax): each
#                                                      # target's time is cut to what is left, minus START_SECONDS
#                                                      # (default 90: Maven start-up and instrumentation), and the
#                                                      # targets that no longer fit are listed as skipped
#   UNTIL=15:48 START_SECONDS=150 MAX_SECONDS=6000 nice -n 19 scripts/fuzz-all.sh 'LoaderFuzzTargetsTest#policy'
#                                                      # a long run: MAX_SECONDS over 900 lifts the annotation's
#                                                      # 15-minute bound for this run only (the 10 M bound stays);
#                                                      # the replay in plain 'mvn verify' is unaffected
# Under -Pfuzz Netty's leak detector runs at "simple" (paranoid costs the SOCKS target two thirds of its speed); a
# LEAK line in the log is reported as a finding.
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
    'SocksHandshakeFuzzTest#socksHandshake' 'QuicCryptoFuzzTest#cryptoFrames'
  )
fi
mkdir -p target/fuzz
until_epoch=${UNTIL:+$(date -d "$UNTIL" +%s)}
for t in "${targets[@]}"; do
  log="target/fuzz/${t//#/-}.log"
  seconds=${MAX_SECONDS:-}
  if [ -n "$until_epoch" ]; then
    left=$(( until_epoch - $(date +%s) - ${START_SECONDS:-90} ))
    if [ "$left" -lt 30 ]; then
      echo "$t: skipped, less than 30 s of fuzzing left before $UNTIL"
      continue
    fi
    if [ -z "$seconds" ] || [ "$seconds" -gt "$left" ]; then seconds=$left; fi
  fi
  started=$(date +%s)
  # jazzer.internal.arg.N are Jazzer JUnit's extra libFuzzer arguments (arg.0 stands for argv[0]).
  mvn -o -B -Pfuzz -pl simulator-core test -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false \
      ${seconds:+-Djazzer.internal.arg.0=censorsim -Djazzer.internal.arg.1=-max_total_time=$seconds} \
      >"$log" 2>&1 || true
  last=$(grep -aE '^#[0-9]+' "$log" | tail -1 || true)
  # A LEAK line is Netty's leak detector (level simple under -Pfuzz) reporting a buffer collected unreleased.
  crash=$(grep -aE 'Java Exception|== Java|crash-|FuzzTestFindingException|LEAK:' "$log" | head -1 || true)
  echo "$t ($(( $(date +%s) - started )) s wall): ${last:-no libFuzzer status line, see $log}${crash:+  FINDING: $crash}"
done
