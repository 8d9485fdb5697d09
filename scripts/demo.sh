#!/usr/bin/env bash
# make demo: start the embedded engine simulator on a free loopback port, replay the shipped
# Mooncake sample against it with the engine (llm-replay replay), print the summary table,
# stop the simulator.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--help" ]]; then
  cat <<'USAGE'
usage: bash scripts/demo.sh
  env: TRACE (traces/mooncake-sample.jsonl), SPEEDUP (10), MAX_REQUESTS (150), SIM_ARGS (extra simulator flags),
       REPLAY_ARGS (extra replay flags, e.g. "--workers 2")
USAGE
  exit 0
fi

TRACE=${TRACE:-traces/mooncake-sample.jsonl}
SPEEDUP=${SPEEDUP:-10}
MAX_REQUESTS=${MAX_REQUESTS:-150}
work=$(mktemp -d)
mkdir -p results
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "demo: starting the engine simulator (llm-replay sim: preset small, 128k context, 20x faster than real time) ..."
node dist/app/llm-replay.js sim --port 0 --port-file "$work/port" --preset small --time-scale 0.05 --max-model-len 131072 \
  --ground-truth results/demo-ground-truth.jsonl ${SIM_ARGS:-} >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$work/port" ]] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.log"; echo "demo: the simulator did not start" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$work/port" ]] || { cat "$work/sim.log"; echo "demo: the simulator did not report its port" >&2; exit 1; }
port=$(cat "$work/port")
echo "demo: simulator on http://127.0.0.1:$port; replaying $MAX_REQUESTS requests of $TRACE at ${SPEEDUP}x"

node dist/app/llm-replay.js replay --trace "$TRACE" --base-url "http://127.0.0.1:$port" \
  --speedup "$SPEEDUP" --max-requests "$MAX_REQUESTS" --summary-json results/demo-summary.json \
  --out jsonl=results/demo-requests.jsonl ${REPLAY_ARGS:-}
echo "demo: result JSON in results/demo-summary.json, one record per request in results/demo-requests.jsonl,"
echo "      simulator ground truth in results/demo-ground-truth.jsonl"
