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
command -v apt-get >/dev/null || { echo "deps-observe: install ${missing[*]} (Debian/Ubuntu packages) yourself: no apt-get here" >&2; exit 1; }
if [[ $(id -u) -ne 0 ]]; then
  echo "deps-observe: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
# The packages would start system services on 0.0.0.0:8086 and :9090; the tests start their own
# on loopback, so keep the services from starting during the install (Debian's policy-rc.d).
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
