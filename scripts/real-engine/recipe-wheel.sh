#!/usr/bin/env bash
# The native-build recipe (scripts/lib/native-build.sh) of llama-cpp-python's wheel:
#   flags TIER | build TIER OUT (pip wheel from the pinned source package) |
#   smoke DIR TIER (install the wheel into build/venv-llama, load SmolLM2, generate tokens).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/real-engine/llama-source.sh
case ${1:-} in
  flags) ggml_cmake_flags "$2" ;;
  build)
    sdist=$(llama_sdist)
    mkdir -p "$3"
    # scikit-build-core passes CMAKE_ARGS to CMake; compiles llama.cpp (minutes).
    CMAKE_ARGS=$(ggml_cmake_flags "$2") CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
      "$VENV/bin/python" -m pip wheel -q --disable-pip-version-check --no-cache-dir --no-deps "$sdist" -w "$3" ;;
  smoke)
    wheel=$(ls "$2"/llama_cpp_python-"$LLAMA_VERSION"-*.whl)
    stamp=$VENV/.llama-cpp-python-wheel
    # The venv keeps the last wheel installed; reinstall when it came from elsewhere.
    if [[ $(cat "$stamp" 2>/dev/null) != "$wheel $(stat -c %Y "$wheel")" ]]; then
      rm -f "$stamp"
      "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$wheel"
      echo "$wheel $(stat -c %Y "$wheel")" >"$stamp"
    fi
    # A subprocess: a crash by any signal comes back as its status.
    timeout 300 "$VENV/bin/python" scripts/real-engine/smoke_wheel.py "$MODEL" "$LLAMA_VERSION" ;;
  *) echo "usage: recipe-wheel.sh flags TIER | build TIER OUT | smoke DIR TIER" >&2; exit 2 ;;
esac
