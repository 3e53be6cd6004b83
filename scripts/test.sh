#!/usr/bin/env bash
# Sets up a fresh clone and runs the whole test suite: unit tests, the real-browser tests
# (JupyterLab on 127.0.0.1 driven through Playwright in Debian's headless Chromium) and the
# tutorial notebooks under nbval. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
printf '\n[test] running pytest\n'
exec .venv/bin/python -m pytest tests notebooks --nbval-lax --nbval-current-env "$@"
