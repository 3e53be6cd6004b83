#!/usr/bin/env bash
# Sets up a fresh clone and runs the whole test suite: unit and conformance tests, the
# real-browser tests (JupyterLab on 127.0.0.1 driven through Playwright in Debian's headless
# Chromium), the tutorial notebooks under nbval, and the call-style browser tests once more
# with notebook kernels on ipykernel 6. Extra arguments go to the main pytest run only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
status=0
printf '\n[test] running pytest\n'
.venv/bin/python -m pytest tests notebooks --nbval-lax --nbval-current-env "$@" || status=$?
if [ $# -eq 0 ]; then
  printf '\n[test] the call styles (await / w.wait()) with notebook kernels on ipykernel 6\n'
  [ -x .venv-ipykernel6/bin/python ] || "${PYTHON:-python3}" -m venv .venv-ipykernel6
  .venv-ipykernel6/bin/python -m pip install -q --disable-pip-version-check "ipykernel>=6.29,<7" -e .
  CHOOSE_MEDIA_KERNEL_PYTHON=.venv-ipykernel6/bin/python \
    .venv/bin/python -m pytest tests/browser/test_calls.py || status=$?
fi
exit "$status"
