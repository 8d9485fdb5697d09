# shellcheck shell=bash
# What the llama.cpp builds of the real-engine tests share (sourced by recipe-wheel.sh and
# recipe-server.sh): the pinned llama-cpp-python source package (it vendors llama.cpp) and
# ggml's CMake options per tier of scripts/lib/native-build.sh.
LLAMA_VERSION=0.3.36
LLAMA_SDIST_SHA256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
VENV=build/venv-llama
MODEL=build/models/SmolLM2-135M-Instruct.Q4_1.gguf

# Prints the path of llama_cpp_python-$LLAMA_VERSION.tar.gz (77 MB), downloaded from PyPI once per
# machine into the cache and checked against its sha256.
llama_sdist() {
  local dir="${K6LR_CACHE_DIR:-$HOME/.cache/k6-llm-replay}/sdist" file tmp
  file="$dir/llama_cpp_python-$LLAMA_VERSION.tar.gz"
  if [[ ! -f $file ]] || [[ $(sha256sum "$file" | cut -d' ' -f1) != "$LLAMA_SDIST_SHA256" ]]; then
    mkdir -p "$dir" && tmp=$(mktemp -d "$dir/.download.XXXXXX")
    echo "fetching the llama-cpp-python $LLAMA_VERSION source package (77 MB, vendors llama.cpp)..." >&2
    "$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-binary :all: --no-deps \
      "llama-cpp-python==$LLAMA_VERSION" -d "$tmp" >&2
    [[ $(sha256sum "$tmp/$(basename "$file")" | cut -d' ' -f1) == "$LLAMA_SDIST_SHA256" ]] ||
      { echo "$(basename "$file"): sha256 differs from $LLAMA_SDIST_SHA256 (the package changed?)" >&2; rm -rf "$tmp"; return 1; }
    mv "$tmp/$(basename "$file")" "$file" && rm -rf "$tmp"
  fi
  echo "$file"
}

# ggml's options for a tier: always GGML_NATIVE=OFF (no -march=native) and one fixed instruction
# set, never AVX-512 or AMX. Not ggml's runtime dispatch (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS):
# it picks its variant from cpuid alone (ggml-cpu/arch/x86/cpu-feats.cpp: "FIXME: this does not
# check for OS support"), so where a VM advertises AVX-512/AMX it would load the variant that
# crashes; and it compiles the CPU backend 14 times.
ggml_cmake_flags() {
  local simd opt all=(SSE42 AVX AVX2 BMI2 FMA F16C AVX_VNNI AVX512 AVX512_VBMI AVX512_VNNI AVX512_BF16 AMX_TILE AMX_INT8 AMX_BF16)
  case $1 in
    x86-64-v3) simd=" SSE42 AVX AVX2 BMI2 FMA F16C " ;;
    x86-64 | generic) simd=" " ;;
    *) echo "ggml_cmake_flags: unknown tier $1" >&2; return 1 ;;
  esac
  local out="-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=OFF -DGGML_CPU_ALL_VARIANTS=OFF"
  if [[ $1 != generic ]]; then
    for opt in "${all[@]}"; do out+=" -DGGML_$opt=$([[ $simd == *" $opt "* ]] && echo ON || echo OFF)"; done
  fi
  echo "$out"
}
