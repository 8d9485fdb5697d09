#!/usr/bin/env bash
# The native I/O core's recipe for scripts/lib/native-build.sh (flags | build | smoke): cargo
# release build of native/ for the tier's CPU (never target-cpu=native), the addon in OUT, and
# the smoke test of scripts/native/smoke.mjs (a real streamed request served in a fresh process).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$repo/scripts/lib/native-build.sh"
verb=$1 tier=$2
rustflags() { local cpu; cpu=$(nb_tier_march "$tier"); [[ -z $cpu ]] || echo "-C target-cpu=$cpu"; }
case $verb in
  flags) echo "cargo build --release --locked --features node; RUSTFLAGS=$(rustflags)" ;;
  build)
    # Whatever RUSTFLAGS the shell has (e.g. target-cpu=native) stays out of this build.
    env -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="$(rustflags)" nice -n 10 \
      cargo build --manifest-path "$repo/native/Cargo.toml" --release --locked --features node
    mkdir -p "$3"
    cp "$repo/native/target/release/libk6lr_io.so" "$3/k6lr_io.node" ;;
  smoke) node "$repo/scripts/native/smoke.mjs" "$2/k6lr_io.node" ;;   # smoke DIR TIER
  *) echo "usage: recipe.sh flags TIER | build TIER OUT | smoke DIR TIER" >&2; exit 2 ;;
esac
