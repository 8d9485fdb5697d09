#!/usr/bin/env bash
# Starts a throwaway InfluxDB 1.x (Debian's influxd) on free 127.0.0.1 ports with its data in a
# temporary directory, for tests and local runs. Prints its URL; stop it with stop.sh DIR.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
usage: scripts/observe/start-influxdb.sh [--dir DIR] [--max-seconds N]
  Starts influxd on 127.0.0.1 (free ports), data under DIR (default: a new temp dir), and prints
  "URL DIR" once /ping answers. It stops by itself after N seconds (default 1800).
  Stop it earlier with: scripts/observe/stop.sh DIR
  then: llm-replay replay --out influxdb=URL/k6 ...
USAGE
}
parse_common "$@"
command -v influxd >/dev/null || die "influxd not found: run 'make deps-observe' (Debian package influxdb)"

for attempt in 1 2 3; do
  http=$(free_port) rpc=$(free_port)
  cat >"$DIR/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$DIR/meta"
[data]
  dir = "$DIR/data"
  wal-dir = "$DIR/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$http"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
CONF
  start_bounded "$DIR" influxd "$MAX_SECONDS" influxd -config "$DIR/influxdb.conf"
  if wait_ready "http://127.0.0.1:$http/ping" "$DIR/influxd.pid" 20; then
    echo "http://127.0.0.1:$http $DIR"
    exit 0
  fi
  bash "$(dirname "$0")/stop.sh" "$DIR" >/dev/null 2>&1 || true
  echo "start-influxdb: attempt $attempt failed:" >&2
  tail -5 "$DIR/influxd.log" >&2
done
die "influxd did not start (log: $DIR/influxd.log)"
