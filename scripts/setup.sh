#!/usr/bin/env bash
# Sets up a clone for use and development: a virtual environment (.venv) with choose-media
# (editable) and its test tools, the front-end bundle built with esbuild, and, with --browser,
# Debian's Chromium, Firefox ESR and WebKitGTK for the real-browser tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

log() { printf '\n[setup] %s\n' "$*"; }

# Every browser engine from Debian's packages: Chromium (Playwright), Firefox ESR (Marionette), and WebKitGTK's
# MiniBrowser (WebKitWebDriver under Xvfb, with GStreamer for its camera and recorder).
OTHER_ENGINES="firefox-esr webkit2gtk-driver xvfb xauth gstreamer1.0-plugins-base \
gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav"
if [ "$want_browser" = 1 ] && ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/firefox-esr ] && [ -x /usr/bin/WebKitWebDriver ] && [ -x /usr/bin/Xvfb ]; }; then
  log "installing Debian's browser engines (apt-get): chromium chromium-driver $OTHER_ENGINES"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $OTHER_ENGINES >/dev/null
fi

if ! [ -x .venv/bin/python ]; then
  log "creating .venv"
  "${PYTHON:-python3}" -m venv .venv
fi

log "building the front-end bundle (npm ci, esbuild)"
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent

log "installing choose-media and its test tools into .venv (pip)"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test,demo,bench]"
log "ready"
