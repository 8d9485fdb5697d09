#!/usr/bin/env bash
# Stops the servers a start-*.sh script started in DIR (by their pid files), then removes DIR
# unless --keep. Waits up to 10 s for a clean stop, then kills.
set -euo pipefail
if [[ ${1:-} == --help || $# -lt 1 ]]; then
  echo "usage: scripts/observe/stop.sh DIR [--keep]"
  exit $(( $# < 1 ? 2 : 0 ))
fi
dir=$1
for pidfile in "$dir"/*.pid; do
  [[ -f $pidfile ]] || continue
  pid=$(cat "$pidfile")
  # The pid is `timeout`'s, which passes TERM on to the server and exits with it.
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done
[[ ${2:-} == --keep ]] || rm -rf "$dir"
