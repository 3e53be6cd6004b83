#!/usr/bin/env bash
# Sets up a fresh clone and starts the live demo: notebooks/demo.ipynb as a web page (Voilà) on 127.0.0.1.
#   bash scripts/demo.sh          the Voilà page (PORT, default 8866)
#   bash scripts/demo.sh lab      JupyterLab on 127.0.0.1 at notebooks/quickstart.ipynb (PORT, default 8888)
# Other arguments go to voila / jupyter lab. 127.0.0.1 is a secure context, so the camera works there.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=voila
if [ "${1:-}" = "lab" ]; then
  mode=lab
  shift
fi

bash scripts/setup.sh

if [ "$mode" = lab ]; then
  port="${PORT:-8888}"
  root_flag=()
  [ "$(id -u)" != 0 ] || root_flag=(--allow-root)
  printf '\n[demo] starting JupyterLab on 127.0.0.1:%s at notebooks/quickstart.ipynb (open the link with the token it prints); Ctrl-C stops it\n' "$port"
  exec .venv/bin/jupyter lab --ip=127.0.0.1 --port="$port" ${root_flag[@]+"${root_flag[@]}"} notebooks/quickstart.ipynb "$@"
fi

port="${PORT:-8866}"
printf '\n[demo] starting the live demo (Voila) on http://127.0.0.1:%s/ ; Ctrl-C stops it\n' "$port"
printf '[demo] for JupyterLab instead: bash scripts/demo.sh lab\n'
exec .venv/bin/voila notebooks/demo.ipynb --Voila.ip=127.0.0.1 --port="$port" "$@"
