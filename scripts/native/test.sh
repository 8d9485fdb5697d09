#!/usr/bin/env bash
# make test-native: the native core's own tests (cargo test) and lint (cargo clippy -D warnings).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${1:-}" == "--help" ]]; then
  echo "usage: bash scripts/native/test.sh   (cargo test + cargo clippy of native/)"
  exit 0
fi
command -v cargo >/dev/null 2>&1 || export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null 2>&1; then
  echo "native: cargo not found: native/ not tested (the engine uses the JS transport)"
  exit 0
fi
nice -n 10 cargo test --manifest-path native/Cargo.toml --locked
if cargo clippy --version >/dev/null 2>&1; then
  nice -n 10 cargo clippy --manifest-path native/Cargo.toml --locked --all-targets --features node -- -D warnings
else
  echo "native: cargo clippy is not installed (rustup component add clippy): lint skipped"
fi
