#!/usr/bin/env bash
# make bench: every benchmark, each printing its figures.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ "${1:-}" == "--help" ]] && { echo "usage: bash scripts/bench.sh [--quick]"; exit 0; }
npx tsx test/bench/replay.ts "$@"
if [[ -f scripts/sim/bench.ts ]]; then npx tsx scripts/sim/bench.ts "$@"; fi
