#!/usr/bin/env bash
# Set up (with test extras and a browser for the UI tests) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test,llm
if ! command -v chromium >/dev/null; then
  echo "==> Installing Debian's chromium for the browser tests (apt-get; about 30 s)"
  began=$SECONDS
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null
  echo "    done in $((SECONDS - began)) s"
fi
echo "==> Running the test suite (pytest prints a dot per test)"
exec .venv/bin/pytest "$@"
