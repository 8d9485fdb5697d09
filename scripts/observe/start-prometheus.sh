#!/usr/bin/env bash
# Starts a throwaway Prometheus (Debian's prometheus) on a free 127.0.0.1 port with its TSDB in a
# temporary directory, ready for k6 remote write with native histograms. Prints its URL; stop it
# with stop.sh DIR.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
usage: scripts/observe/start-prometheus.sh [--dir DIR] [--max-seconds N]
  Starts prometheus on 127.0.0.1 (a free port) with --web.enable-remote-write-receiver and
  --enable-feature=native-histograms, TSDB under DIR (default: a new temp dir), and prints
  "URL DIR" once /-/ready answers. It stops by itself after N seconds (default 1800).
  Stop it earlier with: scripts/observe/stop.sh DIR
  then: llm-replay replay --out prometheus-rw=URL/api/v1/write ...
USAGE
}
parse_common "$@"
command -v prometheus >/dev/null || die "prometheus not found: run 'make deps-observe' (Debian package prometheus)"

# Nothing to scrape: k6 pushes everything (its own metrics and the engine's, as engine_*).
cat >"$DIR/prometheus.yml" <<'CONF'
global:
  scrape_interval: 5s
  evaluation_interval: 5s
CONF
for attempt in 1 2 3; do
  port=$(free_port)
  start_bounded "$DIR" prometheus "$MAX_SECONDS" prometheus \
    --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/tsdb" \
    --web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver \
    --enable-feature=native-histograms --web.enable-lifecycle
  if wait_ready "http://127.0.0.1:$port/-/ready" "$DIR/prometheus.pid" 30; then
    echo "http://127.0.0.1:$port $DIR"
    exit 0
  fi
  bash "$(dirname "$0")/stop.sh" "$DIR" >/dev/null 2>&1 || true
  echo "start-prometheus: attempt $attempt failed:" >&2
  tail -5 "$DIR/prometheus.log" >&2
done
die "prometheus did not start (log: $DIR/prometheus.log)"
