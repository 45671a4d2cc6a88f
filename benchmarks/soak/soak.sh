#!/usr/bin/env bash
# Soak and load runs against a real censorsim process, over loopback only. Each run prints what the censor process
# held while loaded and after the load left (RSS, heap after a full GC, open descriptors) and what the clients lost.
#
#   benchmarks/soak/soak.sh [RUN...]        RUN: tcp-flows socks-flows udp-flows storm slowloris fd-exhaustion bytes
#                                           (default: all, in that order)
#   FLOWS=9500 STORM=20000 SLOW=2000 BYTES=1073741824 HOLD=10 UDP_IDLE=180 benchmarks/soak/soak.sh
#
# Build first (no tests, no install):  mvn -o -q -B -pl simulator-cli,benchmarks -am package -DskipTests
# 10,000 concurrent TCP flows need 20,000 proxy descriptors plus its own; raise `ulimit -n` above 20,200 for that.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLI_JAR=$ROOT/simulator-cli/target/censorsim.jar
DRIVER_JAR=$ROOT/benchmarks/target/benchmarks.jar
FLOWS=${FLOWS:-9500}
STORM=${STORM:-20000}
SLOW=${SLOW:-2000}
BYTES=${BYTES:-1073741824}
HOLD=${HOLD:-10}
# Longer than setting up FLOWS flows takes, or the first ones idle out before the sample (on a loaded 2-CPU machine
# 3,000 flows took 99 s to set up).
UDP_IDLE=${UDP_IDLE:-180}
# Below what loopback reaches here (~380 Mbit/s through the proxy), so the throttle really paces the 1 GiB.
THROTTLE=${THROTTLE:-200mbit}
ACTIONS=${ACTIONS:-none throttle delay socks}
JAVA_OPTS=${JAVA_OPTS:--Xmx512m}
WORK=$(mktemp -d /tmp/censorsim-soak.XXXXXX)
# jcmd's attach handshake leaves .attach_pid files in the target's working directory: keep them out of the checkout.
cd "$WORK"
PIDS=()

for jar in "$CLI_JAR" "$DRIVER_JAR"; do
  [[ -f $jar ]] || { echo "soak: $jar missing; build with: mvn -o -q -B -pl simulator-cli,benchmarks -am package -DskipTests" >&2; exit 2; }
done

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# The JMH uber jar carries an SLF4J API without a provider; its three-line notice is noise here.
driver() { java -Xmx1g -cp "$DRIVER_JAR" dev.censorsim.benchmarks.soak.LoadDriver "$@" 2> >(grep -v '^SLF4J' >&2); }

# start_censor LOG ARGS...: starts censorsim in the background (optionally under ULIMIT), waits for its banner.
start_censor() {
  local log=$1; shift
  if [[ -n ${ULIMIT:-} ]]; then
    bash -c "ulimit -n $ULIMIT && exec \"\$@\"" bash java $JAVA_OPTS -jar "$CLI_JAR" "$@" >"$log" 2>&1 &
  else
    java $JAVA_OPTS -jar "$CLI_JAR" "$@" >"$log" 2>&1 &
  fi
  CENSOR=$!
  PIDS+=("$CENSOR")
  for _ in $(seq 1 100); do grep -q "Ctrl-C" "$log" 2>/dev/null && return 0; sleep 0.1; done
  echo "soak: censorsim did not start: $(cat "$log")" >&2; exit 3
}

stop_censor() {
  kill -TERM "$CENSOR" 2>/dev/null || true
  local code=0
  wait "$CENSOR" || code=$?
  echo "  censor exit code after SIGTERM: $code"
}

start_echo() { # start_echo tcp|udp PORT
  # java itself in the background (not the driver function), so $! is the JVM the cleanup must stop.
  java -Xmx1g -cp "$DRIVER_JAR" dev.censorsim.benchmarks.soak.LoadDriver "echo-$1" "$2" >"$WORK/echo-$1.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 1 100); do grep -q listening "$WORK/echo-$1.log" 2>/dev/null && return 0; sleep 0.1; done
  echo "soak: echo server did not start" >&2; exit 3
}

# sample LABEL: RSS, heap used after a full GC, and open descriptors of the censor process.
sample() {
  local rss fds heap
  rss=$(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$CENSOR/status")
  fds=$(ls "/proc/$CENSOR/fd" | wc -l)
  jcmd "$CENSOR" GC.run >/dev/null 2>&1 || true
  heap=$(jcmd "$CENSOR" GC.heap_info 2>/dev/null | awk '/garbage-first heap|total/ && /used/ {for(i=1;i<=NF;i++) if($i=="used") {print $(i+1); exit}}')
  printf '  %-22s rss=%s heap_after_gc=%s fds=%s\n' "$1" "$rss" "${heap:-?}" "$fds"
}

wait_for() { # wait_for FILE TEXT
  # The line is complete once the next one (or a newline) follows; a short pause covers a line being written.
  for _ in $(seq 1 1200); do grep -q "$2" "$1" 2>/dev/null && { sleep 0.3; return 0; }; sleep 0.1; done
  echo "soak: no '$2' in $1" >&2; cat "$1" >&2; exit 3
}

tcp_flows() { # tcp_flows forward|socks
  local mode=$1 echo_port port
  echo_port=$(free_port); port=$(free_port)
  start_echo tcp "$echo_port"
  if [[ $mode == forward ]]; then
    start_censor "$WORK/censor.log" proxy --listen "127.0.0.1:$port" --upstream "127.0.0.1:$echo_port"
  else
    start_censor "$WORK/censor.log" socks --listen "127.0.0.1:$port"
  fi
  echo "== $FLOWS concurrent $mode flows (1 KiB echoed each, held ${HOLD}s), ulimit -n $(ulimit -n)"
  sample "idle"
  driver flows "$port" "$mode" "$echo_port" "$FLOWS" "$HOLD" >"$WORK/driver.log" 2>&1 &
  local d=$!
  wait_for "$WORK/driver.log" holding
  echo "  $(grep holding "$WORK/driver.log")"
  sample "holding $FLOWS flows"
  wait "$d"
  echo "  $(grep result "$WORK/driver.log")"
  sleep 3
  sample "after clients left"
  stop_censor
  kill "${PIDS[-2]}" 2>/dev/null || true
}

udp_flows() {
  local echo_port port
  echo_port=$(free_port); port=$(free_port)
  start_echo udp "$echo_port"
  start_censor "$WORK/censor.log" proxy --udp --listen "127.0.0.1:$port" --upstream "127.0.0.1:$echo_port" \
      --udp-idle-timeout "${UDP_IDLE}s"
  echo "== $FLOWS concurrent UDP flows (one 64-byte datagram echoed each, held ${HOLD}s, idle timeout ${UDP_IDLE}s)"
  sample "idle"
  driver udp-flows "$port" "$FLOWS" "$HOLD" >"$WORK/driver.log" 2>&1 &
  local d=$!
  wait_for "$WORK/driver.log" holding
  echo "  $(grep holding "$WORK/driver.log")"
  sample "holding $FLOWS flows"
  wait "$d"
  echo "  $(grep result "$WORK/driver.log")"
  sleep $((UDP_IDLE + 5))
  sample "after idle timeout"
  stop_censor
}

storm() {
  local port; port=$(free_port)
  start_censor "$WORK/censor.log" socks --listen "127.0.0.1:$port"
  echo "== connect/close storm: $STORM bare connect-and-close clients, 32 at a time (SOCKS)"
  sample "idle"
  driver storm "$port" "$STORM" | sed 's/^/  /'
  sleep 2
  sample "after the storm"
  stop_censor
}

slowloris() {
  local port; port=$(free_port)
  start_censor "$WORK/censor.log" socks --listen "127.0.0.1:$port" --handshake-timeout 5s
  echo "== slowloris: $SLOW clients send one byte and stall (SOCKS, --handshake-timeout 5s)"
  sample "idle"
  driver slowloris "$port" "$SLOW" 15 >"$WORK/driver.log" 2>&1 &
  local d=$!
  wait_for "$WORK/driver.log" holding
  echo "  $(grep holding "$WORK/driver.log")"
  sample "holding"
  wait "$d"
  echo "  $(grep result "$WORK/driver.log")"
  sample "after"
  stop_censor
}

fd_exhaustion() {
  local port echo_port; port=$(free_port); echo_port=$(free_port)
  start_echo tcp "$echo_port"
  ULIMIT=1024 start_censor "$WORK/censor.log" socks --listen "127.0.0.1:$port" --max-flows 100000 \
      --handshake-timeout 30s
  echo "== fd exhaustion: ulimit -n 1024, --max-flows 100000, 1500 stalled clients for 3 s, then 200 real flows"
  sample "idle"
  driver slowloris "$port" 1500 3 >"$WORK/driver.log" 2>&1
  echo "  $(grep result "$WORK/driver.log")"
  echo "  warnings logged: $(grep -c WARNING "$WORK/censor.log" || true) ($(grep WARNING "$WORK/censor.log" | head -1))"
  sleep 2
  sample "after the crowd left"
  driver flows "$port" socks "$echo_port" 200 0 | grep result | sed 's/^/  recovery: /'
  sample "after recovery"
  stop_censor
  unset ULIMIT
}

bytes() {
  local echo_port port; echo_port=$(free_port)
  start_echo tcp "$echo_port"
  local policy=$WORK/policy.yaml
  for action in $ACTIONS; do
    port=$(free_port)
    case $action in
      throttle) printf 'rules:\n  - name: throttle\n    match: { protocol: [unknown] }\n    action: { type: throttle, rate: %s, direction: both }\n' "$THROTTLE" >"$policy" ;;
      delay) printf 'rules:\n  - name: delay\n    match: { protocol: [unknown] }\n    action: { type: delay, latency: 20ms, jitter: 5ms }\n' >"$policy" ;;
      *) printf 'rules: []\n' >"$policy" ;;
    esac
    if [[ $action == socks ]]; then
      start_censor "$WORK/censor.log" socks --listen "127.0.0.1:$port"
      mode=socks
    else
      start_censor "$WORK/censor.log" proxy --listen "127.0.0.1:$port" --upstream "127.0.0.1:$echo_port" \
          --policy "$policy"
      mode=forward
    fi
    echo "== $BYTES bytes each way through '$action' ($mode), byte-exact"
    driver bytes "$port" "$mode" "$echo_port" "$BYTES" | sed 's/^/  /'
    sample "after $action"
    stop_censor
  done
}

RUNS=("$@")
[[ ${#RUNS[@]} -gt 0 ]] || RUNS=(tcp-flows socks-flows udp-flows storm slowloris fd-exhaustion bytes)
echo "censorsim soak, $(date -u +%FT%TZ), $(nproc) CPUs, java $(java -version 2>&1 | head -1 | cut -d'"' -f2)"
for run in "${RUNS[@]}"; do
  case $run in
    tcp-flows) tcp_flows forward ;;
    socks-flows) tcp_flows socks ;;
    udp-flows) udp_flows ;;
    storm) storm ;;
    slowloris) slowloris ;;
    fd-exhaustion) fd_exhaustion ;;
    bytes) bytes ;;
    *) echo "soak: unknown run $run" >&2; exit 2 ;;
  esac
done
