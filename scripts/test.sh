#!/usr/bin/env bash
# Set up (with test extras, a browser for the UI tests and a PostgreSQL server for the shared-library tests) and
# run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test,llm
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)  # tests/servers.py starts its own server
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing Debian's ${missing[*]} for the browser and database tests (apt-get; about 30 s)"
  began=$SECONDS
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  echo "    done in $((SECONDS - began)) s"
fi
echo "==> Running the test suite (pytest prints a dot per test, then the 15 slowest)"
exec .venv/bin/pytest --durations=15 "$@"
