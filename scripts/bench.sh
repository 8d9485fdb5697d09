#!/usr/bin/env bash
# make bench: every benchmark, each printing its figures. --quick: shorter runs.
# The engine bench captures loopback traffic with tcpdump (installed with apt-get when missing)
# and so runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--help" ]]; then echo "usage: bash scripts/bench.sh [--quick]"; exit 0; fi
quick=(); sim_args=()
if [[ "${1:-}" == "--quick" ]]; then quick=(--quick); sim_args=(--seconds 3); fi
npx tsx scripts/bench/startup.ts
npx tsx scripts/bench/engine.ts "${quick[@]}"
npx tsx scripts/bench/transports.ts "${quick[@]}"
npx tsx scripts/bench/api-parse.ts "${quick[@]}"
npx tsx scripts/bench/sim.ts "${sim_args[@]}"
npx tsx scripts/bench/trace.ts "${quick[@]}"
npx tsx scripts/bench/report.ts "${quick[@]}"
npx tsx scripts/bench/live.ts "${quick[@]}"
npx tsx scripts/bench/multi.ts "${quick[@]}"
# Memory: RSS against requests in flight, and a short steady run (the 30-minute one: make bench-memory).
npx tsx scripts/bench/memory.ts "${quick[@]}" --duration-min 3
echo "memory over 30 minutes of steady load: make bench-memory (npx tsx scripts/bench/memory.ts --only steady)"
npx tsx scripts/bench/api-parse.ts "${quick[@]}"
