#!/usr/bin/env bash
# make deps-llama-server: llama.cpp's own llama-server (MIT), the batching server of the
# llama-server tests, built from the llama.cpp vendored in the pinned llama-cpp-python source
# package through scripts/lib/native-build.sh (portable CPU tiers; a smoke test serves one
# streamed completion before the binary is cached and each time it is taken from the cache).
# Installs build/llama-server/llama-server (+ BUILD-INFO naming its tier). Needs the venv and
# model of scripts/real-engine/install.sh (make deps-real-engine) for the source download and the smoke test.
set -euo pipefail
if [[ ${1:-} == --help ]]; then
  echo "usage: scripts/real-engine/install-llama-server.sh   (build/llama-server/llama-server)"
  echo "  env: K6LR_CACHE_DIR (default ~/.cache/k6-llm-replay), K6LR_NATIVE_SMOKE_FAIL / K6LR_NATIVE_TIERS (scripts/lib/native-build.sh)"
  exit 0
fi
cd "$(dirname "$0")/../.."
source scripts/real-engine/llama-source.sh   # LLAMA_VERSION, VENV, MODEL
source scripts/lib/native-build.sh
NB_LOG_PREFIX=deps-llama-server
OUT=build/llama-server
[[ -x $VENV/bin/python && -f $MODEL ]] || { nb_log "needs $VENV and $MODEL: run make deps-real-engine first" >&2; exit 1; }

native_build llama-server "$LLAMA_VERSION" scripts/real-engine/recipe-server.sh ||
  { nb_log "no working llama-server build on this machine (see above)" >&2; exit 1; }
# The copy the tests run, replaced in one rename.
rm -rf "$OUT.partial" && mkdir -p "$OUT.partial"
cp "$NB_DIR"/* "$OUT.partial/"
rm -rf "$OUT" && mv "$OUT.partial" "$OUT"
nb_log "llama-server from llama.cpp in llama-cpp-python $LLAMA_VERSION (tier $NB_TIER) in $OUT"
