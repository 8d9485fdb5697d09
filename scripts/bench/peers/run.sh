#!/usr/bin/env bash
# make bench-peers: installs the peers when missing (install.sh), then runs main.ts, which
# prints the one table and keeps the raw results in results/peers/<timestamp>/. Needs root
# (tcpdump on lo, installed with apt-get when missing). Takes about 20 min with the defaults
# (--quick: about 8 min); every tool run is time-limited.
#   bash scripts/bench/peers/run.sh [--quick] [--requests N] [--speedup X] [--repeats N] [--rates LIST] [--tools LIST]
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [[ "${1:-}" == "--help" ]]; then exec npx tsx scripts/bench/peers/main.ts --help; fi
bash scripts/bench/peers/install.sh
exec npx tsx scripts/bench/peers/main.ts "$@"
