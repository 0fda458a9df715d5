#!/usr/bin/env bash
# Screenshots a qconv --report-html page in headless Chromium, to check that it renders (issue #4,
# acceptance 7). Installs Debian's `chromium` when it is missing (apt-get; sudo when not root).
# Not part of CI: it downloads a browser.
#
#   scripts/render_report.sh REPORT.html OUT.png [WIDTH,HEIGHT]     # default 1400,1800
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH,HEIGHT]" >&2
  exit 2
fi
html=$(realpath "$1")
out=$(realpath -m "$2")
size=${3:-1400,1800}
[ -f "$html" ] || { echo "render_report: $1: no such file" >&2; exit 1; }
if ! command -v chromium >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends chromium
fi
# --no-sandbox: Chromium refuses to run as root with its sandbox; the page is our own file and has
# no scripts. A fresh profile keeps the user's browser state out of it.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size="$size" --screenshot="$out" "file://$html" 2>/dev/null
[ -s "$out" ] || { echo "render_report: chromium wrote no screenshot" >&2; exit 1; }
echo "render_report: wrote $out ($size)"
