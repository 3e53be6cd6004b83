#!/usr/bin/env bash
# Sets up a fresh clone and opens the quickstart notebook in JupyterLab on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
printf '\n[demo] starting JupyterLab on http://127.0.0.1:%s\n' "${PORT:-8888}"
exec .venv/bin/jupyter lab --ip=127.0.0.1 --port="${PORT:-8888}" notebooks/quickstart.ipynb "$@"
