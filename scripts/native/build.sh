#!/usr/bin/env bash
# make build (native part): builds the native I/O core (native/, Rust via napi-rs) into
# dist/native/k6lr_io.node with portable flags, after a smoke test (the addon loaded in a
# fresh node process serves one real streamed request from a tiny local server). Rebuilt only
# when native/ or the toolchain changed. No cargo: the engine uses the JS transport, said here.
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
STAMP=dist/native/k6lr_io.stamp
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
if [[ -f "$OUT" && -f "$STAMP" && "$(cat "$STAMP")" == "$key" ]]; then
  echo "native: dist/native/k6lr_io.node is up to date"
  exit 0
fi

echo "native: building the native I/O core (cargo build --release; first build fetches crates) ..."
# Portable: whatever RUSTFLAGS the shell has (e.g. target-cpu=native) stays out of this build.
env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS nice -n 10 cargo build --manifest-path native/Cargo.toml --release --locked --features node
mkdir -p dist/native
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp native/target/release/libk6lr_io.so "$tmp/k6lr_io.node"
if ! node scripts/native/smoke.mjs "$tmp/k6lr_io.node"; then
  echo "native: the built addon failed its smoke test: not installed (the engine uses the JS transport)" >&2
  rm -f "$OUT" "$STAMP"
  exit 1
fi
mv "$tmp/k6lr_io.node" "$OUT"
echo "$key" > "$STAMP"
echo "native: installed $OUT"
