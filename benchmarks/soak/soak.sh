#!/usr/bin/env bash
# Soak and load runs against a real censorsim process, over loopback only. Each run prints what the censor process
# held while loaded and after the load left (RSS, heap after a full GC, open descriptors) and what the clients lost.
#
#   benchmarks/soak/soak.sh [RUN...]        RUN: tcp-flows socks-flows http-flows udp-flows storm slowloris
#                                           fd-exhaustion bytes (default: all, in that order)
#   FLOWS=10000 STORM=20000 SLOW=2000 BYTES=1073741824 HOLD=10 UDP_IDLE=180 benchmarks/soak/soak.sh
#
# Build first (no tests, no install):  mvn -o -q -B -pl simulator-cli,benchmarks -am package -DskipTests
# 10,000 concurrent TCP flows hold 20,000 proxy descriptors, 10,000 in the driver and 10,000 in the echo server: the
# script raises the descriptor limit of everything it starts to NOFILE (default 65,536; raising the hard limit needs
# CAP_SYS_RESOURCE, otherwise it stays at `ulimit -Hn`). One proxy process holds at most (ulimit -n - 128) / 2 TCP
# flows (two descriptors a flow, 128 kept back: the proxy's own default --max-flows); when FLOWS is more, the TCP
# runs hold that many and say why (a hard limit of 20,000 gives 9,936). UDP flows take one descriptor each.
# PACE_MS: pause after each 200 connects (default 20).
set -euo pipefail

NOFILE=${NOFILE:-65536}
if (( $(ulimit -Hn) < NOFILE )) && ! ulimit -Hn "$NOFILE" 2>/dev/null; then
  echo "soak: cannot raise the hard descriptor limit to $NOFILE (needs CAP_SYS_RESOURCE); staying at $(ulimit -Hn)" >&2
fi
ulimit -n "$(( NOFILE < $(ulimit -Hn) ? NOFILE : $(ulimit -Hn) ))"
PACE_MS=${PACE_MS:-20}

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLI_JAR=$ROOT/simulator-cli/target/censorsim.jar
DRIVER_JAR=$ROOT/benchmarks/target/benchmarks.jar
FLOWS=${FLOWS:-10000}
# The TCP flows one proxy process can hold under this descriptor limit (see the header).
TCP_CAPACITY=$(( ($(ulimit -n) - 128) / 2 ))
TCP_FLOWS=$(( FLOWS < TCP_CAPACITY ? FLOWS : TCP_CAPACITY ))
UDP_FLOWS=$(( FLOWS < $(ulimit -n) - 128 ? FLOWS : $(ulimit -n) - 128 ))
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
driver() { java -Xmx1g -Dsoak.batchPauseMillis="$PACE_MS" -cp "$DRIVER_JAR" dev.censorsim.benchmarks.soak.LoadDriver "$@" \
    2> >(grep -v '^SLF4J' >&2); }

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

# sample LABEL: RSS, heap used after a full GC, and open descriptors of the censor process; leaves the figures in
# RSS_KB, HEAP_KB and FDS for per_flow.
sample() {
  local rss fds heap
  RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$CENSOR/status")
  rss=$(awk -v k="$RSS_KB" 'BEGIN {printf "%.0f MiB", k/1024}')
  FDS=$(ls "/proc/$CENSOR/fd" | wc -l)
  jcmd "$CENSOR" GC.run >/dev/null 2>&1 || true
  heap=$(jcmd "$CENSOR" GC.heap_info 2>/dev/null | awk '/garbage-first heap|total/ && /used/ {for(i=1;i<=NF;i++) if($i=="used") {print $(i+1); exit}}')
  HEAP_KB=${heap%K}
  printf '  %-22s rss=%s heap_after_gc=%s fds=%s\n' "$1" "$rss" "${heap:-?}" "$FDS"
}

# per_flow N IDLE_HEAP_KB IDLE_RSS_KB: what each of the N flows held (echoed and open) costs over the idle sample.
per_flow() {
  awk -v n="$1" -v h0="$2" -v r0="$3" -v h="$HEAP_KB" -v r="$RSS_KB" -v f="$FDS" 'BEGIN {
    printf "  per flow: heap_after_gc=%.2f KiB rss=%.2f KiB fds=%.2f\n", (h - h0) / n, (r - r0) / n, f / n }'
}

settle() { # waits (up to 120 s) until the censor holds at most 64 descriptors: ~10 k closes take seconds under load
  local start=$SECONDS
  for _ in $(seq 1 1200); do (( $(ls "/proc/$CENSOR/fd" | wc -l) <= 64 )) && break; sleep 0.1; done
  echo "  released in $((SECONDS - start)) s"
}

held() { # held DRIVER_LOG: the flows that echoed (so are open and set up) when the driver said "holding"
  local n; n=$(sed -n 's/^holding .*echoed=\([0-9]*\).*/\1/p' "$1")
  echo "${n:-1}" | awk '{ print ($1 > 0 ? $1 : 1) }'
}

wait_for() { # wait_for FILE TEXT
  # The line is complete once the next one (or a newline) follows; a short pause covers a line being written.
  for _ in $(seq 1 1200); do grep -q "$2" "$1" 2>/dev/null && { sleep 0.3; return 0; }; sleep 0.1; done
  echo "soak: no '$2' in $1" >&2; cat "$1" >&2; exit 3
}

tcp_flows() { # tcp_flows forward|socks|http
  local mode=$1 echo_port port idle_heap idle_rss
  echo_port=$(free_port); port=$(free_port)
  start_echo tcp "$echo_port"
  if [[ $mode == forward ]]; then
    start_censor "$WORK/censor.log" proxy --listen "127.0.0.1:$port" --upstream "127.0.0.1:$echo_port"
  elif [[ $mode == http ]]; then
    start_censor "$WORK/censor.log" serve --http-proxy "127.0.0.1:$port" --no-api --quiet
  else
    start_censor "$WORK/censor.log" socks --listen "127.0.0.1:$port"
  fi
  echo "== $TCP_FLOWS concurrent $mode flows (1 KiB echoed each, held ${HOLD}s), ulimit -n $(ulimit -n)"
  if (( TCP_FLOWS < FLOWS )); then
    echo "  not $FLOWS: they need $(( 2 * FLOWS + 128 )) descriptors in the proxy process (2 a flow + 128 kept back)," \
      "above its limit of $(ulimit -n) (hard limit $(ulimit -Hn), which only CAP_SYS_RESOURCE can raise)"
  fi
  sample "idle"
  idle_heap=$HEAP_KB; idle_rss=$RSS_KB
  driver flows "$port" "$mode" "$echo_port" "$TCP_FLOWS" "$HOLD" >"$WORK/driver.log" 2>&1 &
  local d=$!
  wait_for "$WORK/driver.log" holding
  echo "  $(grep holding "$WORK/driver.log")"
  sample "holding $TCP_FLOWS flows"
  per_flow "$(held "$WORK/driver.log")" "$idle_heap" "$idle_rss"
  wait "$d"
  echo "  $(grep result "$WORK/driver.log")"
  settle
  sample "after clients left"
  stop_censor
  kill "${PIDS[-2]}" 2>/dev/null || true
}

udp_flows() {
  local echo_port port idle_heap idle_rss
  echo_port=$(free_port); port=$(free_port)
  start_echo udp "$echo_port"
  start_censor "$WORK/censor.log" proxy --udp --listen "127.0.0.1:$port" --upstream "127.0.0.1:$echo_port" \
      --udp-idle-timeout "${UDP_IDLE}s"
  echo "== $UDP_FLOWS concurrent UDP flows (one 64-byte datagram echoed each, held ${HOLD}s, idle timeout ${UDP_IDLE}s)"
  if (( UDP_FLOWS < FLOWS )); then
    echo "  not $FLOWS: they need $(( FLOWS + 128 )) descriptors in the relay process (1 a flow + 128 kept back)," \
      "above its limit of $(ulimit -n) (hard limit $(ulimit -Hn), which only CAP_SYS_RESOURCE can raise)"
  fi
  sample "idle"
  idle_heap=$HEAP_KB; idle_rss=$RSS_KB
  driver udp-flows "$port" "$UDP_FLOWS" "$HOLD" >"$WORK/driver.log" 2>&1 &
  local d=$!
  wait_for "$WORK/driver.log" holding
  echo "  $(grep holding "$WORK/driver.log")"
  sample "holding $UDP_FLOWS flows"
  per_flow "$(held "$WORK/driver.log")" "$idle_heap" "$idle_rss"
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
[[ ${#RUNS[@]} -gt 0 ]] || RUNS=(tcp-flows socks-flows http-flows udp-flows storm slowloris fd-exhaustion bytes)
echo "censorsim soak, $(date -u +%FT%TZ), $(nproc) CPUs, java $(java -version 2>&1 | head -1 | cut -d'"' -f2), ulimit -n $(ulimit -n), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for run in "${RUNS[@]}"; do
  case $run in
    tcp-flows) tcp_flows forward ;;
    socks-flows) tcp_flows socks ;;
    http-flows) tcp_flows http ;;
    udp-flows) udp_flows ;;
    storm) storm ;;
    slowloris) slowloris ;;
    fd-exhaustion) fd_exhaustion ;;
    bytes) bytes ;;
    *) echo "soak: unknown run $run" >&2; exit 2 ;;
  esac
done
