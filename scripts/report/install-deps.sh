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
source "$(dirname "$0")/../lib/apt-install.sh"
apt_install deps-report chromium fonts-dejavu-core
