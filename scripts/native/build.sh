#!/usr/bin/env bash
# make build (native part): builds the native I/O core (native/, Rust via napi-rs) into
# dist/native/k6lr_io.node with portable flags, after a smoke test (the addon loaded in a
# fresh node process serves one real streamed request from a tiny local server), through
# scripts/lib/native-build.sh with scripts/native/recipe.sh. Rebuilt only when native/ or the
# toolchain changed; the copy in dist/ is replaced by the cached build after its smoke test
# passes again (half a second), as every reuse of a native build is proven. No cargo: the engine uses the JS transport, said here.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ "${1:-}" == "--help" ]]; then
  cat <<'USAGE'
usage: bash scripts/native/build.sh
  Builds native/ with cargo (release, default x86-64 target: no target-cpu=native), smoke-tests
  the addon and installs it as dist/native/k6lr_io.node. Env: NATIVE=0 skips the build (the
  engine then uses the JS transport).
USAGE
  exit 0
fi

OUT=dist/native/k6lr_io.node
if [[ "${NATIVE:-1}" == "0" ]]; then
  echo "native: NATIVE=0: not building the native I/O core; the engine uses the JS transport"
  exit 0
fi
if ! command -v cargo >/dev/null 2>&1; then
  [[ -x "$HOME/.cargo/bin/cargo" ]] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "native: cargo not found: the engine uses the JS transport (install Rust with rustup, then make build)"
  exit 0
fi

# What the addon is built from: the crate's files and the toolchain.
key=$( { find native -path native/target -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum; rustc -V; node -p process.versions.napi; } | sha256sum | cut -c1-16)
# Through the rule every native build here follows (scripts/lib/native-build.sh): the safest CPU
# tier only (the core needs no wide SIMD), a smoke test before the build is cached and each time
# it is taken from the cache, the cache keyed by the sources, the toolchain and the flags.
source scripts/lib/native-build.sh
NB_LOG_PREFIX=native
export K6LR_NATIVE_TIERS=${K6LR_NATIVE_TIERS:-$(nb_tiers | awk '{print $NF}')}
if ! native_build k6lr-io "$key" scripts/native/recipe.sh; then
  echo "native: no build of the native I/O core passed its smoke test: not installed (the engine uses the JS transport)" >&2
  rm -f "$OUT"
  exit 1
fi
mkdir -p dist/native
cp "$NB_DIR/k6lr_io.node" "$OUT.partial" && mv "$OUT.partial" "$OUT"
echo "native: installed $OUT (tier $NB_TIER)"
