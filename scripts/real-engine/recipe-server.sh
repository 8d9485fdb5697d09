#!/usr/bin/env bash
# The native-build recipe (scripts/lib/native-build.sh) of llama.cpp's own llama-server, built
# from the llama.cpp vendored in the pinned llama-cpp-python source package:
#   flags TIER | build TIER OUT (cmake --target llama-server, static: one self-contained binary) |
#   smoke DIR TIER (serve SmolLM2 on a free loopback port, one streamed completion).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/real-engine/llama-source.sh
case ${1:-} in
  flags)
    # BUILD_SHARED_LIBS=OFF links libllama/libggml in, so the cached binary needs no build folder.
    echo "$(ggml_cmake_flags "$2") -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" ;;
  build)
    sdist=$(llama_sdist)
    # Outside the project's git tree: llama.cpp's CMake would take our commit for its build info.
    src=$(mktemp -d "${TMPDIR:-/tmp}/k6lr-llama-server-src.XXXXXX")
    trap 'rm -rf "$src"' EXIT
    tar xzf "$sdist" -C "$src" --strip-components=3 "llama_cpp_python-$LLAMA_VERSION/vendor/llama.cpp"
    # shellcheck disable=SC2046
    cmake -S "$src" -B "$src/build" $("$0" flags "$2") >"$src/cmake.log" || { tail -30 "$src/cmake.log" >&2; exit 1; }
    cmake --build "$src/build" --target llama-server -j "$(nproc)" >"$src/build.log" 2>&1 || { tail -40 "$src/build.log" >&2; exit 1; }
    mkdir -p "$3"
    cp "$src/build/bin/llama-server" "$3/"
    cp "$src/LICENSE" "$3/LICENSE.llama.cpp"
    # Static as intended: no libllama/libggml to carry along.
    if ldd "$3/llama-server" | grep -E 'lib(llama|ggml|mtmd)' >&2; then echo "llama-server links shared llama.cpp libraries" >&2; exit 1; fi ;;
  smoke) timeout 300 "$VENV/bin/python" scripts/real-engine/smoke_server.py "$2/llama-server" "$MODEL" ;;
  *) echo "usage: recipe-server.sh flags TIER | build TIER OUT | smoke DIR TIER" >&2; exit 2 ;;
esac
