#!/usr/bin/env bash
# Renders a scenario report.html to a PNG with Debian's headless Chromium, to look at the charts.
#
#   scripts/screenshot-report.sh                         # sample report: runs the -Pbrowser check, writes
#                                                        #   target/report-screenshot.png and .html
#   scripts/screenshot-report.sh REPORT.html [OUT.png]   # any report, e.g. target/censorsim-report/<name>/report.html
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=""
for c in chromium chromium-browser; do
  if command -v "$c" >/dev/null 2>&1; then chromium=$(command -v "$c"); break; fi
done
if [ -z "$chromium" ]; then
  echo "screenshot-report: headless Chromium not found: apt-get install chromium" >&2
  exit 2
fi

if [ $# -eq 0 ]; then
  mkdir -p target
  out="$PWD/target/report-screenshot.png"
  mvn -o -q -B -pl simulator-core -Pbrowser test -Dtest=ReportScreenshotTest -Dsurefire.failIfNoSpecifiedTests=false \
      -Dcensorsim.screenshot="$out"
  echo "screenshot-report: $out (page: ${out%.png}.html); the colour check passed"
  exit 0
fi

html=$1
out=${2:-${html%.html}.png}
if [ ! -f "$html" ]; then
  echo "screenshot-report: no such file: $html" >&2
  exit 2
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# Tall enough for the charts, the expectations and the metrics of a three-phase run.
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-color-profile=srgb \
    --force-device-scale-factor=1 --no-first-run --user-data-dir="$profile" --window-size=1000,3600 \
    --screenshot="$(realpath -m "$out")" "file://$(realpath "$html")" >/dev/null 2>&1
echo "screenshot-report: $out"
