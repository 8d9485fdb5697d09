#!/usr/bin/env bash
# make deps-multi: the S3-compatible server the multi-host tests and bench run (moto's server,
# pure Python, Apache-2.0) in a venv at .venv-s3/ (override with S3_VENV). Installs only when
# missing; needs python3 with venv and PyPI.
set -euo pipefail
if [[ ${1:-} == --help ]]; then
  echo "usage: scripts/multi/install-deps.sh   (python3 -m venv .venv-s3 && pip install moto[server]==5.2.5 when missing)"
  exit 0
fi
venv=${S3_VENV:-$(cd "$(dirname "$0")/../.." && pwd)/.venv-s3}
want=5.2.5
if [[ -x $venv/bin/moto_server ]] && "$venv/bin/python" -c "import moto,sys; sys.exit(moto.__version__ != '$want')" 2>/dev/null; then
  echo "deps-multi: moto_server $want in $venv"
  exit 0
fi
command -v python3 >/dev/null || { echo "deps-multi: python3 (with venv) is needed for the S3 test server: apt-get install python3-venv" >&2; exit 1; }
python3 -m venv "$venv" || { echo "deps-multi: python3 -m venv failed: apt-get install python3-venv" >&2; exit 1; }
"$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$want"
echo "deps-multi: installed moto_server $want in $venv"
