#!/usr/bin/env bash
# make deps-observe: the Debian packages whose real servers the observability tests run
# (influxdb: influxd 1.x; prometheus: prometheus and promtool). Installs only what is missing.
set -euo pipefail
if [[ ${1:-} == --help ]]; then
  echo "usage: scripts/observe/install-deps.sh   (apt-get install influxdb prometheus when missing; needs root)"
  exit 0
fi
missing=()
command -v influxd >/dev/null || missing+=(influxdb)
{ command -v prometheus && command -v promtool; } >/dev/null || missing+=(prometheus)
if ((${#missing[@]} == 0)); then
  echo "deps-observe: influxd $(influxd version | awk '{print $2}'), $(prometheus --version 2>&1 | head -1)"
  exit 0
fi
# The packages would start system services on 0.0.0.0:8086 and :9090; the tests start their own
# on loopback, so keep the services from starting during the install (Debian's policy-rc.d).
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
source "$(dirname "$0")/../lib/apt-install.sh"
apt_install deps-observe "${missing[@]}"
