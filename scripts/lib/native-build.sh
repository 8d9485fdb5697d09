# shellcheck shell=bash
# Portable native builds, proven before they are cached or used. Every script that compiles
# native code (llama-cpp-python's wheel, llama-server, the Rust addon) goes through here: no
# -march=native, a few fixed CPU tiers tried best first, and a smoke test (the artifact really
# runs: generates a token, serves a request) before a build is cached and again each time a
# cached one is taken.
#
#   native_build NAME VERSION RECIPE      (sourced)   or
#   scripts/lib/native-build.sh NAME VERSION RECIPE   (prints "DIR<TAB>TIER"; logs on stderr)
#
# RECIPE is an executable (its own process, so its `set -e` holds) with three verbs:
#   RECIPE flags TIER       prints the build flags of TIER (they go into the cache key)
#   RECIPE build TIER OUT   builds into the new directory OUT; non-zero status = failed
#   RECIPE smoke DIR TIER   runs the build in DIR in a subprocess and checks its answer: 0 = good;
#                           anything else (a crash by any signal, a wrong answer) = broken
# On success NB_DIR is the proven build's directory (in the cache) and NB_TIER its tier.
# A recipe driven by compiler flags takes the tier's CPU from nb_tier_march (source this file):
# cc -march=$(nb_tier_march T), cargo RUSTFLAGS="-C target-cpu=$(nb_tier_march T)" (empty on
# "generic": the target's default); test/fixtures/native-build/recipe.sh is a complete example.
#
# Tiers (nb_tiers), best first: x86-64-v3 (AVX/AVX2/FMA/F16C/BMI2; never AVX-512 or AMX, which
# CPUs advertise in cpuid while a VM or the OS may not let a process use them), then x86-64
# (SSE2 only). The v3 tier is tried only where /proc/cpuinfo, i.e. what the kernel enabled,
# lists its features; the smoke test catches what a flag cannot tell. Other machines: "generic".
#
# Cache: $K6LR_CACHE_DIR (default ~/.cache/k6-llm-replay)/native/NAME-VERSION-ARCH-TIER-FLAGSHASH/,
# published by one rename so a cut build is never taken. A tier whose build fails its smoke test
# is marked for this CPU (KEY.failed-cpuHASH beside it) and skipped next time.
# Environment: K6LR_NATIVE_SMOKE_FAIL=TIER[,TIER...]|all makes those smoke tests fail (to prove
# the fallback; such forced failures leave no mark); K6LR_NATIVE_TIERS="T1 T2" replaces the tiers.

nb_log() { echo "${NB_LOG_PREFIX:-native-build}: $*" >&2; }

nb_cache_root() { echo "${K6LR_CACHE_DIR:-$HOME/.cache/k6-llm-replay}/native"; }

# The CPU this runs on: model name and flags, hashed (for failure marks and logs).
nb_cpu_id() {
  grep -m2 -E '^(model name|flags|Features)' /proc/cpuinfo 2>/dev/null | sha256sum | cut -c1-12
}

nb_cpu_has() { # FLAG...: every flag listed in /proc/cpuinfo
  local flags f
  flags=" $(grep -m1 -E '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
  for f in "$@"; do [[ $flags == *" $f "* ]] || return 1; done
}

nb_tiers() {
  if [[ -n ${K6LR_NATIVE_TIERS:-} ]]; then echo "$K6LR_NATIVE_TIERS"; return; fi
  case $(uname -m) in
    x86_64)
      # x86-64-v3 as GCC and Rust define it (the v2 features, AVX, AVX2, BMI1/2, F16C, FMA, LZCNT, MOVBE).
      if nb_cpu_has sse4_2 popcnt avx avx2 bmi1 bmi2 f16c fma movbe abm; then echo "x86-64-v3 x86-64"; else echo "x86-64"; fi ;;
    *) echo generic ;;
  esac
}

# -march / target-cpu of a tier, for builds driven by the compiler's flags (cc, cargo); empty = the default.
nb_tier_march() {
  case $1 in
    x86-64-v3 | x86-64) echo "$1" ;;
    *) echo "" ;;
  esac
}

nb_forced_failure() { # TIER: is this tier's smoke test made to fail?
  local list=",${K6LR_NATIVE_SMOKE_FAIL:-},"
  [[ $list == *",all,"* || $list == *",$1,"* ]]
}

nb_describe_status() {
  local rc=$1
  if ((rc > 128)); then
    local sig; sig=$(kill -l $((rc - 128)) 2>/dev/null || echo "?")
    echo "killed by signal $((rc - 128)) (SIG$sig)$([[ $sig == ILL ]] && echo ': the CPU or OS refuses an instruction of this build')"
  else
    echo "exit status $rc"
  fi
}

# RECIPE DIR TIER NAME: 0 when the build works here.
nb_smoke() {
  local recipe=$1 dir=$2 tier=$3 name=$4 rc=0
  if nb_forced_failure "$tier"; then
    nb_log "$name ($tier): smoke test made to fail by K6LR_NATIVE_SMOKE_FAIL=$K6LR_NATIVE_SMOKE_FAIL"
    return 1
  fi
  "$recipe" smoke "$dir" "$tier" || rc=$?
  ((rc == 0)) || nb_log "$name ($tier): smoke test failed, $(nb_describe_status "$rc")"
  return "$rc"
}

native_build() {
  local name=$1 version=$2 recipe=$3
  local root cpu tier flags key dir mark tmp rc start
  root=$(nb_cache_root); cpu=$(nb_cpu_id)
  mkdir -p "$root"
  NB_DIR='' NB_TIER=''
  for tier in $(nb_tiers); do
    flags=$("$recipe" flags "$tier") || { nb_log "$name: '$recipe flags $tier' failed"; return 1; }
    key="$name-$version-$(uname -m)-$tier-$(printf '%s' "$flags" | sha256sum | cut -c1-8)"
    dir="$root/$key" mark="$root/$key.failed-cpu$cpu"
    if [[ -e $mark ]]; then
      nb_log "$name: tier $tier failed its smoke test on this CPU before ($mark): trying the next tier"
      continue
    fi
    if [[ -d $dir ]]; then
      if nb_smoke "$recipe" "$dir" "$tier" "$name"; then
        NB_DIR=$dir NB_TIER=$tier
        nb_log "$name: tier $tier, from the cache $dir (smoke test passed)"
        return 0
      fi
      nb_log "$name: discarding the cached build $dir"
      rm -rf "$dir"
      nb_forced_failure "$tier" || : >"$mark"
      continue
    fi
    nb_log "$name: building tier $tier ($flags)..."
    tmp=$(mktemp -d "$root/.building-$key.XXXXXX")
    start=$SECONDS rc=0
    "$recipe" build "$tier" "$tmp/out" || rc=$?
    if ((rc != 0)) || [[ ! -d $tmp/out ]]; then
      nb_log "$name: the build of tier $tier failed ($(nb_describe_status "$rc")): trying the next tier"
      rm -rf "$tmp"; continue
    fi
    printf 'name=%s\nversion=%s\ntier=%s\nflags=%s\nbuild_seconds=%s\nbuilt_on=%s\nbuilt_at=%s\n' "$name" "$version" "$tier" "$flags" \
      "$((SECONDS - start))" "$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //')" "$(date -u +%FT%TZ)" >"$tmp/out/BUILD-INFO"
    nb_log "$name: tier $tier built in $((SECONDS - start)) s; smoke test..."
    if ! nb_smoke "$recipe" "$tmp/out" "$tier" "$name"; then
      nb_log "$name: discarding the fresh build of tier $tier (not cached)"
      rm -rf "$tmp"
      nb_forced_failure "$tier" || : >"$mark"
      continue
    fi
    # One rename publishes it; when another run published the same key meanwhile, theirs is kept.
    mv -T "$tmp/out" "$dir" 2>/dev/null || nb_log "$name: $dir appeared meanwhile: keeping it"
    rm -rf "$tmp"
    NB_DIR=$dir NB_TIER=$tier
    nb_log "$name: tier $tier cached in $dir"
    return 0
  done
  nb_log "$name: no build passed its smoke test (tiers tried: $(nb_tiers)). See the messages above;" \
    "clear the failure marks with: rm -f $root/$name-*.failed-cpu*"
  return 1
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  if [[ $# -ne 3 || $1 == --help ]]; then
    echo "usage: scripts/lib/native-build.sh NAME VERSION RECIPE   (prints DIR<TAB>TIER of the proven build)" >&2
    echo "  RECIPE flags TIER | build TIER OUT | smoke DIR TIER; tiers here: $(nb_tiers)" >&2
    [[ ${1:-} == --help ]] && exit 0 || exit 2
  fi
  native_build "$@"
  printf '%s\t%s\n' "$NB_DIR" "$NB_TIER"
fi
