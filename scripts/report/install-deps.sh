#!/usr/bin/env bash
# make deps-report: Debian's chromium, which the report test drives headless (puppeteer-core,
# executablePath /usr/bin/chromium) to open the HTML report. Installs only when missing.
set -euo pipefail
if [[ ${1:-} == --help ]]; then
  echo "usage: scripts/report/install-deps.sh   (apt-get install chromium when missing; needs root)"
  exit 0
fi
if [[ -x /usr/bin/chromium ]]; then
  echo "deps-report: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
  exit 0
fi
command -v apt-get >/dev/null || { echo "deps-report: install chromium (Debian/Ubuntu package) yourself: no apt-get here" >&2; exit 1; }
if [[ $(id -u) -ne 0 ]]; then
  echo "deps-report: run as root, or: sudo apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
