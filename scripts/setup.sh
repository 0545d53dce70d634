#!/usr/bin/env bash
# Create or update .venv with the project and the given extras; a no-op when nothing changed.
# Usage: scripts/setup.sh [EXTRAS]   e.g. scripts/setup.sh test,llm
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
spec="."
[ -n "$extras" ] && spec=".[$extras]"
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extras//,/-}"
if [ ! -f "$stamp" ]; then
  # torch is pinned in the same command: any other torch pulls a multi-GB CUDA build.
  .venv/bin/pip install --disable-pip-version-check -q torch==2.13.0 -e "$spec" 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import rag, index" 
  touch "$stamp"
fi
