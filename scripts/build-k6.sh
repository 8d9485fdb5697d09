#!/usr/bin/env bash
# Builds build/k6: k6 v1.8.1 with our extension k6/x/llmstream (xk6/llmstream), via xk6.
set -euo pipefail

K6_VERSION=v1.8.1
XK6_VERSION=v1.4.11
EXT_MODULE=github.com/k6-llm-replay/k6-llm-replay/xk6/llmstream
RECIPE=1 # bump when the way the binary is built changes, to invalidate stamps and caches

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXT_DIR=$REPO/xk6/llmstream
OUT=$REPO/build/k6
STAMP=$REPO/build/k6.stamp
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/k6-llm-replay
XK6=$CACHE/xk6-$XK6_VERSION/xk6

usage() {
  cat <<EOF
Usage: scripts/build-k6.sh [--force] [--help]

Builds build/k6 = k6 $K6_VERSION + k6/x/llmstream (from xk6/llmstream) with xk6 $XK6_VERSION.

  --force   rebuild even if build/k6 is up to date (ignores the cached copy)
  --help    print this help

Skips the build when build/k6 reports $K6_VERSION and k6/x/llmstream and build/k6.stamp
matches a hash of (k6 version, xk6 version, go version, every file under xk6/llmstream).
Keeps copies of built binaries in $CACHE/k6-<hash>.
Installs xk6 into $XK6 if missing.
Needs Go >= 1.25 and access to the Go module proxy (first build only).
EOF
}

FORCE=0
for arg in "$@"; do
  case $arg in
    -h | --help) usage; exit 0 ;;
    --force) FORCE=1 ;;
    *) echo "build-k6: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

step() { echo "build-k6: $*"; }
die() { echo "build-k6: error: $*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "go not found: install Go >= 1.25 (https://go.dev/dl/) and put it on PATH"
GO_VERSION=$(go version)
[[ $GO_VERSION =~ go1\.([0-9]+) ]] || die "cannot parse '$GO_VERSION'"
((BASH_REMATCH[1] >= 25)) || die "$GO_VERSION is too old: install Go >= 1.25"
[[ -f $EXT_DIR/go.mod ]] || die "$EXT_DIR/go.mod missing"

# The hash covers everything that changes the binary.
HASH=$(
  {
    echo "recipe $RECIPE k6 $K6_VERSION xk6 $XK6_VERSION"
    echo "$GO_VERSION"
    cd "$REPO"
    find xk6/llmstream -type f -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
      echo "$f $(sha256sum <"$f" | cut -d' ' -f1)"
    done
  } | sha256sum | cut -c1-16
)
CACHED=$CACHE/k6-$HASH

# binary_ok FILE: it runs and reports the right k6 and our extension.
binary_ok() {
  local v
  v=$("$1" version 2>/dev/null) || return 1
  [[ $v == *" $K6_VERSION ("* && $v == *"k6/x/llmstream"* ]] # line 1 is "<file name> v1.8.1 (go...)"
}

if ((FORCE == 0)) && [[ -x $OUT && -f $STAMP && $(cat "$STAMP") == "$HASH" ]] && binary_ok "$OUT"; then
  step "build/k6 is up to date ($HASH), nothing to do"
  exit 0
fi

mkdir -p "$REPO/build" "$CACHE"
TMP_DIR=$REPO/build/tmp/k6-build.$$ # build/tmp is git-ignored; a private dir keeps parallel runs apart
TMP_OUT=$TMP_DIR/k6
mkdir -p "$TMP_DIR"
trap 'rm -rf "$TMP_DIR"; rmdir "$REPO/build/tmp" 2>/dev/null || true' EXIT

if ((FORCE == 0)) && [[ -x $CACHED ]] && binary_ok "$CACHED"; then
  step "copying the cached build $CACHED"
  cp "$CACHED" "$TMP_OUT"
else
  if [[ ! -x $XK6 ]]; then
    # `go install go.k6.io/xk6@version` wants the module's version list (deprecation check),
    # which some proxies refuse; building from a throwaway module needs only the one version.
    step "installing xk6 $XK6_VERSION into $XK6"
    mkdir -p "$(dirname "$XK6")"
    TOOL_DIR=$(mktemp -d)
    (
      cd "$TOOL_DIR"
      printf 'module xk6tool\n\ngo 1.25.0\n' >go.mod
      printf '//go:build tools\n\npackage tools\n\nimport _ "go.k6.io/xk6"\n' >tools.go
      go get "go.k6.io/xk6@$XK6_VERSION" >get.log 2>&1 || { cat get.log >&2; exit 1; }
      go build -o "$XK6.tmp" go.k6.io/xk6
      mv "$XK6.tmp" "$XK6"
    ) || { rm -rf "$TOOL_DIR"; die "could not build xk6 $XK6_VERSION (is the Go module proxy reachable?)"; }
    rm -rf "$TOOL_DIR"
  fi
  step "building k6 $K6_VERSION with $EXT_MODULE ($GO_VERSION); takes a few minutes the first time"
  start=$SECONDS
  "$XK6" build "$K6_VERSION" --with "$EXT_MODULE=$EXT_DIR" --output "$TMP_OUT" ||
    die "xk6 build failed (see the output above)"
  step "built in $((SECONDS - start)) s"
  binary_ok "$TMP_OUT" || die "the new binary does not report k6 $K6_VERSION with k6/x/llmstream: $("$TMP_OUT" version 2>&1 || true)"
  cp "$TMP_OUT" "$CACHED.tmp.$$" && mv "$CACHED.tmp.$$" "$CACHED"
  step "cached a copy as $CACHED"
  # Keep the 3 newest copies (~50 MB each).
  find "$CACHE" -maxdepth 1 -name 'k6-*' ! -name '*.tmp.*' -type f -printf '%T@ %p\n' | sort -rn | tail -n +4 | cut -d' ' -f2- |
    while IFS= read -r old; do rm -f "$old"; done
fi

mv "$TMP_OUT" "$OUT"
echo "$HASH" >"$STAMP"
step "ready: $("$OUT" version | head -1) -> build/k6"
