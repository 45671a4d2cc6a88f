#!/usr/bin/env bash
# censorsim beside its peers, on the same input in the same run, everything on loopback, every run bounded in time.
# Prints one table of ratios and writes it as JSON (default target/compare.json).
#
#   benchmarks/compare.sh                      every section, full durations
#   QUICK=1 benchmarks/compare.sh              short durations: a smoke run (about 2 minutes), figures are rough
#   benchmarks/compare.sh dns relay            only some sections: dns udp relay bulk classify
#   OUT=/tmp/c.json benchmarks/compare.sh      where the JSON goes
#   ROUNDS=3 benchmarks/compare.sh dns         rounds per contender, interleaved; the best round of each counts
#   CENSORSIM_JAVA_OPTS=-Dcensorsim.transport=nio benchmarks/compare.sh  another transport (default: epoll where it
#                                              loads, else NIO; the dns and udp sections run both anyway)
#   CENSORSIM_CDS=0 benchmarks/compare.sh      without the launcher's class-data sharing archive (cold start cost)
#
# Sections and peers (ratio = censorsim / peer; for latency the ratio is peer / censorsim, so > 1 is always better):
#   dns       dnsperf -> `censorsim dns` with the Feb 2026 removal policy vs nsd on the same zone (one server thread
#             each: nsd server-count 1, censorsim's one DNS event loop). Queries lost are reported.
#   udp       dnsperf -> UDP relay -> nsd: `censorsim proxy --udp` vs socat vs dnsperf straight to nsd (datagrams/s).
#   relay     wrk (2 threads, 32 keep-alive connections) -> relay -> nginx: `censorsim proxy` vs HAProxy `mode tcp`
#             (one thread) vs socat vs direct; requests/s and p99.
#   bulk      iperf3 one stream through the same relays; Gbit/s.
#   classify  `censorsim classify` vs ndpiReader (nDPI, one thread) on generated traces of about 300 k and 80 k packets:
#             cold (one JVM start) and warm (--warmup: passes worth about 12 M packets), each with the default --threads, --threads 1 and every core,
#             the scaling between the last two, and the pipelined multi-thread design against the earlier one.
# Installs missing tools with apt-get (dnsperf nsd wrk nginx haproxy iperf3 socat libndpi-bin).
# A benchmark, not a test: nothing here fails on a slow figure. The load average is printed with the table, because
# another job on the cores changes every figure (the JVM's JIT warm-up most).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
launcher="${CENSORSIM:-$here/censorsim}"
out_json="${OUT:-$here/target/compare.json}"
quick="${QUICK:-0}"
rounds="${ROUNDS:-$([ "$quick" = 1 ] && echo 1 || echo 2)}"
if [ "$quick" = 1 ]; then dur=3; warm=2; flows=5000; else dur=10; warm=5; flows=20000; fi
sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(dns udp relay bulk classify)
want() { local s; for s in "${sections[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

need() { # need COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "compare: installing $2 ($1)" >&2
  local sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$2" >/dev/null
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || { echo "compare: $1 still missing after installing $2" >&2; exit 3; }
}
PATH="$PATH:/usr/sbin"

work="$(mktemp -d)"
pids=()
cleanup() {
  local p
  # Children first: socat's forked relays outlive a killed parent.
  for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$work/nsd.pid" ] && kill "$(cat "$work/nsd.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A free loopback port (TCP and UDP) from the kernel's ephemeral range.
free_port() {
  python3 - <<'EOF' 2>/dev/null || shuf -i 20000-60000 -n 1
import socket
t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p)); print(p)
EOF
}
wait_tcp() { # wait_tcp PORT: until something accepts on 127.0.0.1:PORT (30 s at most)
  local i
  for i in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "compare: nothing listens on 127.0.0.1:$1; last lines of each log:" >&2
  tail -n 5 "$work"/*.log >&2 2>/dev/null || true
  exit 3
}
start() { # start NAME CMD...: in the background, output to $work/NAME.log; CMD may be censorsim
  local name="$1"; shift
  if [ "$1" = censorsim ]; then shift; set -- $(censorsim_cmd) "$@"; fi
  "$@" >"$work/$name.log" 2>&1 &
  pids+=("$!")
}
stop_last() {
  local p="${pids[-1]}"
  pkill -P "$p" 2>/dev/null || true # socat's forked relays, which outlive a killed parent
  kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true
  unset 'pids[-1]'
}
best() { printf '%s\n' "$@" | sort -g | tail -1; }
least() { printf '%s\n' "$@" | sort -g | head -1; }

rows="$work/rows.tsv" # section, metric, unit, censorsim, peer name, peer value, better (higher|lower), note
: > "$rows"
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$rows"; }

[ -x "$launcher" ] || { echo "compare: no launcher at $launcher" >&2; exit 2; }
# Build the jar once, before anything is timed; then run it directly, so that a source edited during the run cannot
# make the launcher rebuild in the middle of a measurement.
"$launcher" --version >/dev/null
jar="$here/simulator-cli/target/censorsim.jar"
[ -z "${CENSORSIM:-}" ] && [ -f "$jar" ] || jar=""
# The launcher's class-data sharing archive, as the launcher itself would use it (it trained it just now).
cds=""
if [ "${CENSORSIM_CDS:-1}" != 0 ] && [ -f "$here/simulator-cli/target/censorsim.jsa" ] \
   && [ "$(cat "$here/simulator-cli/target/censorsim.jsa.java" 2>/dev/null)" = "$(readlink -f "$(command -v java)")" ]; then
  cds="-XX:SharedArchiveFile=$here/simulator-cli/target/censorsim.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
fi
# The command line of censorsim: java itself (so that a background one's pid is the JVM's), or the given launcher.
censorsim_cmd() {
  if [ -n "$jar" ]; then
    # shellcheck disable=SC2086 # the options are meant to split
    echo java $cds ${CENSORSIM_JAVA_OPTS:-} -Dcensorsim.tty=false "-Dcensorsim.home=$here" -jar "$jar"
  else
    echo "$launcher"
  fi
}
censorsim() { $(censorsim_cmd) "$@"; }

zone="$here/scenarios/zones/messenger.zone"
removal="$here/scenarios/policies/whatsapp-2026-dns.yaml"
# The mix a messenger's resolver sends: the names that resolve, the removed ones, CNAME, other types, misses.
cat > "$work/queries.txt" <<'EOF'
g.whatsapp.net A
g.whatsapp.net AAAA
mmg.whatsapp.net A
whatsapp.com A
web.whatsapp.com A
web.whatsapp.com HTTPS
wa.me A
wa.me TXT
cdn.allowed.test A
dns.doh.test AAAA
missing.whatsapp.net A
whatsapp.net A
EOF

start_nsd() { # start_nsd PORT
  cat > "$work/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1@$1
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "$work"
  pidfile: "$work/nsd.pid"
  database: ""
  zonelistfile: "$work/zone.list"
  xfrdfile: "$work/xfrd.state"
  xfrdir: "$work"
  logfile: "$work/nsd-server.log"
  hide-version: yes
  verbosity: 0
  # Debian's nsd limits responses to 200/s per client netblock (RRL): off, as censorsim has none.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
  # No NS/glue in every answer: censorsim, an authoritative answer without referral data, sends none either.
  minimal-responses: yes
remote-control:
  control-enable: no
zone:
  name: "."
  zonefile: "$zone"
EOF
  start nsd nsd -d -c "$work/nsd.conf"
  wait_tcp "$1"
}

dnsperf_run() { # dnsperf_run PORT SECONDS -> "qps lost completed"
  dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries.txt" -l "$2" -q 100 -t 2 > "$work/dnsperf.out" 2>&1 || true
  awk '/Queries per second:/ { q = $4 } /Queries lost:/ { l = $3 } /Queries completed:/ { c = $3 }
       END { printf "%.0f %d %d\n", q, l, c }' "$work/dnsperf.out"
}

proc_ticks() { # proc_ticks PID...: a "pid ticks" line each, the CPU of the process and of its children that ended
  local p     # (user, system and the children's: socat forks one per connection) (fields counted after the comm's ')')
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && echo "$p $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 + $14 + $15 }')"
  done
  return 0
}
family_ticks() { # family_ticks [PID]: proc_ticks of PID and its children (socat's forks); nothing without a PID
  # shellcheck disable=SC2046 # one pid per word
  [ -n "${1:-}" ] && proc_ticks "$1" $(pgrep -P "$1")
  return 0
}
tick_delta() { # tick_delta BEFORE AFTER: CPU ticks spent between two proc_ticks snapshots; a process born since counts
  awk 'NR == FNR { before[$1] = $2; next } { t += $2 - before[$1] } END { print t + 0 }' <(echo "$1") <(echo "$2")
}
hz="$(getconf CLK_TCK)"

# udp_round PORT SECONDS [RELAY_PID] -> "qps lost us_dnsperf us_nsd us_relay idle_cores": a dnsperf run and the CPU
# each side spent per query meanwhile (/proc/PID/stat of nsd's processes and of the relay with its children, socat's
# child per client among them; dnsperf's own from its shell's `times`), and the cores left idle (/proc/stat). No relay
# pid for a direct run.
udp_round() {
  local port="$1" secs="$2" relay="${3:-}" r0 n0 i0 r1 n1 i1 dt
  # shellcheck disable=SC2046 # one pid per word
  r0=$(family_ticks "$relay"); n0=$(proc_ticks $(pgrep -f "$work/nsd.conf"))
  i0=$(awk '/^cpu / { print $5 + $6 }' /proc/stat)
  # `times` in the subshell: its second line is the children's user and system time, i.e. dnsperf's.
  dt=$( (dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -l "$secs" -q 100 -t 2 > "$work/dnsperf.out" 2>&1 \
         || true; times) | awk 'NR == 2 { split($0, t, /[ms ]+/); print t[1] * 60 + t[2] + t[3] * 60 + t[4] }')
  # shellcheck disable=SC2046
  r1=$(family_ticks "$relay"); n1=$(proc_ticks $(pgrep -f "$work/nsd.conf"))
  i1=$(awk '/^cpu / { print $5 + $6 }' /proc/stat)
  awk -v dt="$dt" -v r="$(tick_delta "$r0" "$r1")" -v n="$(tick_delta "$n0" "$n1")" -v idle="$((i1 - i0))" -v hz="$hz" \
      -v secs="$secs" '
    /Queries per second:/ { q = $4 } /Queries lost:/ { l = $3 } /Queries completed:/ { c = $3 }
    END { c = (c > 0 ? c : 1); printf "%.0f %d %.1f %.1f %.1f %.2f\n", q, l, dt * 1e6 / c, n * 1e6 / hz / c,
                                       r * 1e6 / hz / c, idle / hz / secs }' "$work/dnsperf.out"
}
# cpu_note RELAY ROUND...: the CPU per query in the round with the most queries/s (each round as udp_round prints it);
# RELAY names the relay, empty for a direct run
cpu_note() {
  local who="$1"; shift
  printf '%s\n' "$@" | sort -g -k1,1 | tail -1 | awk -v who="$who" '{
    printf "%snsd %.1f us, dnsperf %.1f us, %.2f cores idle", (who == "" ? "" : sprintf("%s %.1f us, ", who, $5)),
           $4, $3, $6 }'
}

if want dns || want udp; then need dnsperf dnsperf; need nsd nsd; fi

if want dns; then
  # Both transports: epoll (the default where it loads) receives 16 queries per recvmmsg(2) and answers a batch with
  # one sendmmsg(2); NIO is the fallback.
  for transport in nio epoll; do
    nsd_port="$(free_port)"; start_nsd "$nsd_port"
    cs_port="$(free_port)"
    CENSORSIM_JAVA_OPTS="${CENSORSIM_JAVA_OPTS:-} -Dcensorsim.transport=$transport" \
      start censorsim-dns censorsim dns --listen "127.0.0.1:$cs_port" --zone "$zone" --policy "$removal"
    wait_tcp "$cs_port"
    dnsperf_run "$cs_port" "$warm" >/dev/null # JIT warm-up; nsd needs none
    nsd_q=(); cs_q=(); cs_lost=0; nsd_lost=0
    for r in $(seq 1 "$rounds"); do
      read -r q l c < <(dnsperf_run "$nsd_port" "$dur"); nsd_q+=("$q"); nsd_lost=$((nsd_lost + l))
      read -r q l c < <(dnsperf_run "$cs_port" "$dur"); cs_q+=("$q"); cs_lost=$((cs_lost + l))
    done
    row dns "queries/s, removal policy, $transport" "q/s" "$(best "${cs_q[@]}")" nsd "$(best "${nsd_q[@]}")" higher \
        "lost: censorsim $cs_lost, nsd $nsd_lost"
    stop_last # censorsim dns
    kill "$(cat "$work/nsd.pid")" 2>/dev/null || true
    sleep 1
  done
fi

if want udp; then
  # Both transports, as for dns: on epoll the relay reads up to 32 datagrams per wake-up with one recvmmsg(2) (into a
  # reused receive area with room for whole 64 KiB datagrams) and sends each batch with one sendmmsg(2); NIO reads the
  # same batches one receive() at a time and sends one at a time. One flow: dnsperf's one socket, 100 queries in
  # flight. Direct to nsd is measured in every round beside the relay, so each ratio is against the direct figure of
  # the same minutes.
  need socat socat
  nsd_port="$(free_port)"; start_nsd "$nsd_port"
  so_port="$(free_port)"
  # The usual socat UDP forwarder: UDP4-LISTEN with fork hands each new client address to a child whose socket is
  # connected to that client (the kernel then delivers that client's datagrams to it), so dnsperf's one socket is one
  # socat process relaying every query, as censorsim keeps one flow per client address. (UDP4-RECVFROM with fork,
  # measured before, forks a child per datagram: 178 q/s, a baseline nobody would deploy.)
  # -T 30: a child whose client has gone quiet for 30 s exits (a UDP "connection" has no end of its own).
  start socat-udp socat -T 30 "UDP4-LISTEN:$so_port,bind=127.0.0.1,reuseaddr,fork" "UDP4:127.0.0.1:$nsd_port"
  socat_pid="${pids[-1]}"
  # Every round also records the CPU each process spent per query (cpu_note): on 2 cores the relayed runs leave less
  # than a quarter of a core idle, so the relay's rate is bounded by the CPU the three processes share.
  s_q=(); s_rounds=(); c_best=0
  for transport in nio epoll; do
    cs_port="$(free_port)"
    CENSORSIM_JAVA_OPTS="${CENSORSIM_JAVA_OPTS:-} -Dcensorsim.transport=$transport" \
      start "censorsim-udp-$transport" censorsim proxy --udp --listen "127.0.0.1:$cs_port" --upstream "127.0.0.1:$nsd_port"
    cs_pid="${pids[-1]}"
    sleep 3
    # JIT warm-up, twice as long as the TCP sections': after one 5 s run the relay still spent 9.9 us of CPU per query
    # in the first timed 8 s, and 7.3-7.6 us in the three after (/proc/PID/stat, dnsperf, 100 in flight).
    dnsperf_run "$cs_port" "$((2 * warm))" >/dev/null
    d_q=(); c_q=(); c_lost=0; d_rounds=(); c_rounds=()
    for r in $(seq 1 "$rounds"); do
      round="$(udp_round "$nsd_port" "$dur")"; d_rounds+=("$round"); d_q+=("${round%% *}")
      round="$(udp_round "$cs_port" "$dur" "$cs_pid")"; c_rounds+=("$round"); c_q+=("${round%% *}")
      read -r _ l _ <<< "$round"; c_lost=$((c_lost + l))
      if [ "$transport" = nio ]; then
        round="$(udp_round "$so_port" "$dur" "$socat_pid")"
        s_rounds+=("$round"); s_q+=("${round%% *}")
      fi
    done
    cpu="CPU per query, best rounds: $(cpu_note censorsim "${c_rounds[@]}"); direct: $(cpu_note "" "${d_rounds[@]}")"
    row udp "request/response datagrams/s to nsd, $transport" "q/s" "$(best "${c_q[@]}")" direct "$(best "${d_q[@]}")" \
        higher "lost through censorsim: $c_lost; $cpu"
    c_best="$(best "$c_best" "${c_q[@]}")"
    stop_last # censorsim
  done
  row udp "request/response datagrams/s to nsd, best transport" "q/s" "$c_best" socat "$(best "${s_q[@]}")" higher \
      "CPU per query, socat's best round: $(cpu_note socat "${s_rounds[@]}")"
  stop_last # socat
  kill "$(cat "$work/nsd.pid")" 2>/dev/null || true
  sleep 1
fi

relay_start() { # relay_start UPSTREAM_PORT -> sets cs_port ha_port so_port, and cs_pid ha_pid so_pid
  cs_port="$(free_port)"; ha_port="$(free_port)"; so_port="$(free_port)"
  # One event loop, as HAProxy below runs one thread (nbthread 1): the same thread budget on both sides. On these two
  # cores, shared with wrk's two threads and nginx, a second loop only adds wake-ups: under wrk the proxy's voluntary
  # context switches went from ~150 to ~600 per 1000 requests with 2 loops (HAProxy ~150), and its epoll_wait calls
  # from 0.07 to 0.17 per request (HAProxy 0.08); CPU per request ~9% higher (relay2-NOTE.md). One iperf3 stream is
  # one flow, on one loop either way.
  start censorsim-relay censorsim proxy --io-threads "${RELAY_IO_THREADS:-1}" --listen "127.0.0.1:$cs_port" \
    --upstream "127.0.0.1:$1"
  cat > "$work/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen relay
  bind 127.0.0.1:$ha_port
  server upstream 127.0.0.1:$1
EOF
  start haproxy haproxy -db -f "$work/haproxy.cfg"
  start socat-tcp socat "TCP4-LISTEN:$so_port,bind=127.0.0.1,reuseaddr,fork" "TCP4:127.0.0.1:$1"
  cs_pid="${pids[-3]}"; ha_pid="${pids[-2]}"; so_pid="${pids[-1]}"
  wait_tcp "$cs_port"; wait_tcp "$ha_port"; wait_tcp "$so_port"
}

if want relay; then
  need wrk wrk; need nginx nginx; need haproxy haproxy; need socat socat
  web_port="$(free_port)"
  mkdir -p "$work/www"; head -c 1024 /dev/zero | tr '\0' 'x' > "$work/www/index.html"
  cat > "$work/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server { listen 127.0.0.1:$web_port; root $work/www; keepalive_requests 1000000; }
}
EOF
  start nginx nginx -c "$work/nginx.conf" -e "$work/nginx-error.log"
  wait_tcp "$web_port"
  relay_start "$web_port"
  wrk_run() { # wrk_run PORT SECONDS [RELAY_PID] -> "rps p99_ms us_cpu_per_request" (the relay's, with its children)
    local t0 t1
    t0="$(family_ticks "${3:-}")"
    wrk -t2 -c32 -d"$2"s --latency "http://127.0.0.1:$1/" > "$work/wrk.out" 2>&1 || true
    t1="$(family_ticks "${3:-}")"
    awk -v ticks="$(tick_delta "$t0" "$t1")" -v hz="$hz" -v secs="$2" '
         /Requests\/sec:/ { r = $2 }
         / 99%/ { v = $2; u = v; gsub(/[0-9.]/, "", u); gsub(/[a-z]/, "", v);
                  m = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1; p = v * m }
         END { printf "%.0f %.3f %.1f\n", r, p, (r > 0 ? ticks * 1e6 / hz / (r * secs) : 0) }' "$work/wrk.out"
  }
  # Two warm-up runs. The end of the first closes wrk's 32 connections, the first closes the JVM has seen: C2 had
  # compiled the read and write path without the close branches, so it discards that code (about 30 methods "made
  # not entrant" under -XX:+PrintCompilation, epollInReady among them) and compiles it again in the next run's first
  # half-second. Measured as the first of three 10 s runs after a 10 s warm-up: p99 2.23-2.54 ms, the next two runs
  # 2.04-2.10 ms. Every round is timed after that, as a proxy that has seen connections end runs.
  wrk_run "$cs_port" "$warm" >/dev/null
  wrk_run "$cs_port" "$warm" >/dev/null
  # Each relay's CPU per request as well (/proc/PID/stat): a figure of its own work, less at the mercy of how the
  # scheduler shares two cores among wrk, nginx and the relay than the rate is.
  cr=(); cp=(); hr=(); hp=(); sr=(); sp=(); dr=(); dp=(); cu=(); hu=(); su=()
  for r in $(seq 1 "$rounds"); do
    read -r a b _ < <(wrk_run "$web_port" "$dur"); dr+=("$a"); dp+=("$b")
    read -r a b u < <(wrk_run "$cs_port" "$dur" "$cs_pid"); cr+=("$a"); cp+=("$b"); cu+=("$u")
    read -r a b u < <(wrk_run "$ha_port" "$dur" "$ha_pid"); hr+=("$a"); hp+=("$b"); hu+=("$u")
    read -r a b u < <(wrk_run "$so_port" "$dur" "$so_pid"); sr+=("$a"); sp+=("$b"); su+=("$u")
  done
  for peer in haproxy socat direct; do
    note=""
    case "$peer" in haproxy) pr=("${hr[@]}"); pp=("${hp[@]}"); note="$(least "${hu[@]}")";;
                    socat) pr=("${sr[@]}"); pp=("${sp[@]}"); note="$(least "${su[@]}")";;
                    direct) pr=("${dr[@]}"); pp=("${dp[@]}");; esac
    [ -n "$note" ] && note="CPU per request, least of the rounds: censorsim $(least "${cu[@]}") us, $peer $note us"
    row relay "wrk requests/s via nginx" "req/s" "$(best "${cr[@]}")" "$peer" "$(best "${pr[@]}")" higher "$note"
    row relay "wrk p99 latency" "ms" "$(least "${cp[@]}")" "$peer" "$(least "${pp[@]}")" lower ""
  done
  stop_last; stop_last; stop_last; stop_last # socat, haproxy, censorsim, nginx
fi

if want bulk; then
  need iperf3 iperf3; need haproxy haproxy; need socat socat
  ip_port="$(free_port)"
  start iperf3 iperf3 -s -B 127.0.0.1 -p "$ip_port"
  wait_tcp "$ip_port"
  relay_start "$ip_port"
  iperf_run() { # iperf_run PORT SECONDS [RELAY_PID] -> "Gbit/s at the receiver" and the relay's CPU seconds per GB
    local t0 t1
    t0="$(family_ticks "${3:-}")"
    iperf3 -c 127.0.0.1 -p "$1" -t "$2" -f g > "$work/iperf.out" 2>&1 || true
    t1="$(family_ticks "${3:-}")"
    awk -v ticks="$(tick_delta "$t0" "$t1")" -v hz="$hz" -v secs="$2" '
      /receiver/ { for (i = 1; i <= NF; i++) if ($i == "Gbits/sec") g = $(i - 1) }
      END { printf "%.2f %.2f\n", g, (g > 0 ? ticks / hz / (g * secs / 8) : 0) }' "$work/iperf.out"
  }
  iperf_run "$cs_port" "$warm" >/dev/null
  c=(); h=(); s=(); d=(); cu=(); hu=(); su=()
  for r in $(seq 1 "$rounds"); do
    read -r g _ < <(iperf_run "$ip_port" "$dur"); d+=("$g")
    read -r g u < <(iperf_run "$cs_port" "$dur" "$cs_pid"); c+=("$g"); cu+=("$u")
    read -r g u < <(iperf_run "$ha_port" "$dur" "$ha_pid"); h+=("$g"); hu+=("$u")
    read -r g u < <(iperf_run "$so_port" "$dur" "$so_pid"); s+=("$g"); su+=("$u")
  done
  row bulk "iperf3 one stream" "Gbit/s" "$(best "${c[@]}")" haproxy "$(best "${h[@]}")" higher \
      "CPU seconds per GB relayed, least of the rounds: censorsim $(least "${cu[@]}"), haproxy $(least "${hu[@]}")"
  row bulk "iperf3 one stream" "Gbit/s" "$(best "${c[@]}")" socat "$(best "${s[@]}")" higher \
      "CPU seconds per GB relayed, least of the rounds: censorsim $(least "${cu[@]}"), socat $(least "${su[@]}")"
  row bulk "iperf3 one stream" "Gbit/s" "$(best "${c[@]}")" direct "$(best "${d[@]}")" higher ""
  stop_last; stop_last; stop_last; stop_last
fi

if want classify; then
  need ndpiReader libndpi-bin
  # The issue's two sizes: --flows picked so the generated traces have about 300 k and 80 k packets (printed below).
  cores="$(nproc)"
  # Warm means the JIT has settled. Warm-up is a packet budget, not a pass count, so both traces get the same: about
  # 12 M packets (40 passes of the 300 k trace, 147 of the 81 k one). After 10 passes of the 300 k trace (3 M packets,
  # 0.4 s of classifying) C2 was still recompiling the per-packet path on the 2-core box (-XX:+PrintCompilation: the
  # packet loop compiled, and the classifier's onPacket deoptimised and recompiled, in passes 9-10), and the timed
  # pass ran at 5.8-8.7 M packets/s over eight runs; after 40 passes at 10.6-11.5 M in most runs, as after 80.
  warm_packets="$([ "$quick" = 1 ] && echo 1500000 || echo 12000000)"
  ndpi_pps() { # ndpi_pps TRACE -> packets/s (nDPI's own figure); the whole command's wall time to ndpi.ms
    local t0; t0="$(date +%s%N)"
    ndpiReader -i "$1" > "$work/ndpi.out" 2>&1 || true
    echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$work/ndpi.ms"
    awk '/nDPI throughput/ { v = $3; u = $4; m = (u == "K") ? 1e3 : (u == "M") ? 1e6 : (u == "G") ? 1e9 : 1;
                              printf "%.0f\n", v * m }' "$work/ndpi.out"
  }
  cs_pps() { # cs_pps TRACE ARGS... -> packets/s of the classification loop; wall time to cs.ms, threads to cs.threads
    local trace="$1" t0; shift
    t0="$(date +%s%N)"
    # Through the launcher, as a user runs it: its class-data sharing archive and, for a cold run under 1 GiB, C1 alone.
    CENSORSIM_JAVA_OPTS="${CENSORSIM_JAVA_OPTS:-} ${DESIGN_OPTS:-} -Xmx2g" "$launcher" classify "$@" "$trace" \
        > "$work/cs.out"
    echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$work/cs.ms"
    sed -n 's/^throughput:.*s, \(one thread\|[0-9]* threads\).*/\1/p' "$work/cs.out" > "$work/cs.threads"
    awk '/^throughput:/ { gsub(",", "", $2); print $2 }' "$work/cs.out"
  }
  cds_note="cds: $([ -n "$cds" ] && echo on || echo off)"
  for flows_n in 8100 2150; do
    trace="$work/trace-$flows_n.pcap"
    packets="$(censorsim trace generate --flows "$flows_n" --seed 1 "$trace" | sed -n 's/^wrote [^:]*: \([0-9,]*\) packets.*/\1/p')"
    count="${packets//,/}"
    size="$(( count / 1000 )) k"
    warmups="$(( (warm_packets + count - 1) / count ))"
    echo "compare: classify trace of $flows_n flows: $packets packets, warm runs after $warmups passes" >&2
    n=(); n_ms=(); c1=(); c1_ms=(); cd=(); cd_ms=(); cn=(); w1=(); wd=(); wn=(); we=(); cd_threads=""; wd_threads=""
    # Interleaved, so that a change of load hits every contender alike; each censorsim run is one JVM start.
    for r in $(seq 1 "$rounds"); do
      n+=("$(ndpi_pps "$trace")"); n_ms+=("$(cat "$work/ndpi.ms")")
      c1+=("$(cs_pps "$trace" --threads 1)"); c1_ms+=("$(cat "$work/cs.ms")")
      cd+=("$(cs_pps "$trace")"); cd_ms+=("$(cat "$work/cs.ms")"); cd_threads="$(cat "$work/cs.threads")"
      cn+=("$(cs_pps "$trace" --threads "$cores")")
      w1+=("$(cs_pps "$trace" --threads 1 --warmup "$warmups")")
      wd+=("$(cs_pps "$trace" --warmup "$warmups")"); wd_threads="$(cat "$work/cs.threads")"
      wn+=("$(cs_pps "$trace" --threads "$cores" --warmup "$warmups")")
      # The earlier multi-thread design (every thread walks and decodes the whole capture), same run, same trace.
      we+=("$(DESIGN_OPTS=-Dcensorsim.classify.design=every-thread-reads cs_pps "$trace" --threads "$cores" \
              --warmup "$warmups")")
    done
    nd="$(best "${n[@]}")"
    # The packets/s figures time the classification loop alone (as ndpiReader's own figure does); the "whole
    # command" rows time the command, JVM start (and its class-data sharing archive, when present) included.
    row classify "whole command, default, $size pkts" "ms" "$(least "${cd_ms[@]}")" ndpiReader "$(least "${n_ms[@]}")" \
        lower "$cds_note; $cd_threads"
    row classify "whole command, 1 thread, $size pkts" "ms" "$(least "${c1_ms[@]}")" ndpiReader "$(least "${n_ms[@]}")" \
        lower "$cds_note"
    row classify "cold, default, $size pkts" "packets/s" "$(best "${cd[@]}")" ndpiReader "$nd" higher "$cd_threads"
    row classify "cold, 1 thread, $size pkts" "packets/s" "$(best "${c1[@]}")" ndpiReader "$nd" higher ""
    row classify "cold, $cores threads, $size pkts" "packets/s" "$(best "${cn[@]}")" ndpiReader "$nd" higher ""
    row classify "warm, default, $size pkts" "packets/s" "$(best "${wd[@]}")" ndpiReader "$nd" higher "$wd_threads"
    row classify "warm, 1 thread, $size pkts" "packets/s" "$(best "${w1[@]}")" ndpiReader "$nd" higher ""
    row classify "warm, $cores threads, $size pkts" "packets/s" "$(best "${wn[@]}")" ndpiReader "$nd" higher ""
    row classify "scaling warm, $cores threads, $size" "packets/s" "$(best "${wn[@]}")" "censorsim-1t" \
        "$(best "${w1[@]}")" higher ""
    row classify "scaling cold, $cores threads, $size" "packets/s" "$(best "${cn[@]}")" "censorsim-1t" \
        "$(best "${c1[@]}")" higher ""
    row classify "design, warm, $cores threads, $size" "packets/s" "$(best "${wn[@]}")" "every-reads" \
        "$(best "${we[@]}")" higher "pipeline vs every thread walking the capture"
  done
fi

load="$(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "censorsim vs peers: $(nproc) cores, load average $load, $([ "$quick" = 1 ] && echo QUICK || echo full) run, best of $rounds round(s), transport ${CENSORSIM_JAVA_OPTS:-default}"
awk -F'\t' 'BEGIN { printf "%-9s %-36s %-11s %14s %14s %8s  %s\n", "section", "metric", "peer", "censorsim", "peer", "ratio", "note" }
  { ratio = ($7 == "higher") ? ($6 > 0 ? $4 / $6 : 0) : ($4 > 0 ? $6 / $4 : 0)
    printf "%-9s %-36s %-11s %14s %14s %7.2fx  %s %s\n", $1, $2, $5, $4 " " $3, $6, ratio, ($7 == "lower" ? "(peer/censorsim)" : ""), $8 }' "$rows"

mkdir -p "$(dirname "$out_json")"
awk -F'\t' -v cores="$(nproc)" -v load="$load" -v quick="$quick" -v rounds="$rounds" \
    -v when="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v opts="${CENSORSIM_JAVA_OPTS:-}" '
  function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return s }
  BEGIN { printf "{\n  \"when\": \"%s\", \"cores\": %d, \"load_average\": \"%s\", \"quick\": %s, \"rounds\": %d, \"java_opts\": \"%s\",\n  \"rows\": [",
                 when, cores, load, (quick == 1 ? "true" : "false"), rounds, esc(opts) }
  { ratio = ($7 == "higher") ? ($6 > 0 ? $4 / $6 : 0) : ($4 > 0 ? $6 / $4 : 0)
    printf "%s\n    {\"section\": \"%s\", \"metric\": \"%s\", \"unit\": \"%s\", \"censorsim\": %s, \"peer\": \"%s\", \"peer_value\": %s, \"better\": \"%s\", \"ratio\": %.3f, \"note\": \"%s\"}",
           (NR > 1 ? "," : ""), esc($1), esc($2), esc($3), $4 + 0, esc($5), $6 + 0, $7, ratio, esc($8) }
  END { printf "\n  ]\n}\n" }' "$rows" > "$out_json"
echo "written: $out_json"
