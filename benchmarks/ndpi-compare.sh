#!/usr/bin/env bash
# Compares censorsim's packet classifier with nDPI's ndpiReader on the same generated trace, one thread each, and
# prints both packets/s and their ratio.
#   benchmarks/ndpi-compare.sh                 20,000 flows, seed 1
#   FLOWS=50000 SEED=7 benchmarks/ndpi-compare.sh
#   TRACE=/path/to/capture.pcap benchmarks/ndpi-compare.sh     an existing capture instead of a generated one
#   CENSORSIM=/path/to/launcher benchmarks/ndpi-compare.sh     another censorsim build
#   PIN=1 benchmarks/ndpi-compare.sh                           both tools pinned to core 0 (taskset)
#   WARMUP=3 benchmarks/ndpi-compare.sh                         untimed passes before the warm figure (default 10;
#                                                              a busy box starves the JIT compiler threads)
# Installs Debian's libndpi-bin (nDPI 4.2 on bookworm) when ndpiReader is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
flows="${FLOWS:-20000}"
seed="${SEED:-1}"
warmup="${WARMUP:-10}"
# The launcher at the repository root; override to test another build.
censorsim="${CENSORSIM:-$here/censorsim}"

if ! command -v ndpiReader >/dev/null 2>&1; then
  echo "ndpi-compare: installing libndpi-bin (ndpiReader)" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libndpi-bin >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq libndpi-bin >/dev/null; fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
trace="${TRACE:-}"
if [ -z "$trace" ]; then
  trace="$work/trace.pcap"
  "$censorsim" trace generate --flows "$flows" --seed "$seed" "$trace"
fi

# PIN=1 runs both tools on core 0. Off by default: the JVM's JIT compiler and GC threads then share the one core with
# the classification thread, which measures the JVM's housekeeping rather than the classifier. Either way, each tool
# classifies on one thread.
pin=()
if [ "${PIN:-0}" = 1 ] && command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi

ndpi_out="$work/ndpi.txt"
"${pin[@]}" ndpiReader -i "$trace" > "$ndpi_out" 2>&1 || { cat "$ndpi_out" >&2; exit 3; }
# "nDPI throughput:       272.03 K pps / 1.25 Gb/sec"
ndpi_line="$(grep 'nDPI throughput' "$ndpi_out")"
ndpi_pps="$(echo "$ndpi_line" | awk '{ v = $3; u = $4; m = (u == "K") ? 1e3 : (u == "M") ? 1e6 : (u == "G") ? 1e9 : 1;
                                      printf "%.0f", v * m }')"

cold_out="$work/cold.txt"
warm_out="$work/warm.txt"
CENSORSIM_JAVA_OPTS="${CENSORSIM_JAVA_OPTS:-} -Xmx2g" "${pin[@]}" "$censorsim" classify "$trace" > "$cold_out"
CENSORSIM_JAVA_OPTS="${CENSORSIM_JAVA_OPTS:-} -Xmx2g" "${pin[@]}" "$censorsim" classify --warmup "$warmup" \
  "$trace" > "$warm_out"
# "throughput: 4,794,512 packets/s, 22.80 Gbit/s over the classification loop (...)"
pps() { grep '^throughput:' "$1" | awk '{ gsub(",", "", $2); print $2 }'; }
cold_pps="$(pps "$cold_out")"
warm_pps="$(pps "$warm_out")"

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (another job on the cores slows both tools, the JVM's JIT warm-up most)"
echo "trace: $trace ($(grep -m1 'packets' "$warm_out" | sed 's/^censorsim classify [^:]*: //'))"
echo "nDPI $(ndpiReader -h 2>&1 | grep -o 'nDPI [0-9.]*' | head -1 | cut -d' ' -f2):     ${ndpi_line#*: }"
echo "censorsim cold:  $(grep '^throughput:' "$cold_out" | cut -d' ' -f2-)"
echo "censorsim warm:  $(grep '^throughput:' "$warm_out" | cut -d' ' -f2-)"
awk -v n="$ndpi_pps" -v c="$cold_pps" -v w="$warm_pps" -v passes="$warmup" 'BEGIN {
  printf "packets/s: nDPI %.0f, censorsim %.0f cold (%.1fx), %.0f after %s warm-up passes (%.1fx)\n",
         n, c, c / n, w, passes, w / n }'
