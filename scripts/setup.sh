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
  if [[ ",$extras," == *",llm,"* ]] && ! .venv/bin/python -c "import llama_cpp" 2>/dev/null; then
    # llama.cpp builds with -march=native by default: on CPUs that list AMX it emits AMX tile instructions,
    # which die with SIGILL ("tilezero", invalid opcode) on VMs that do not enable AMX state, as these do.
    # A portable build instead, and no cached wheel (it may be a native one from an earlier install).
    cmake_args="-DGGML_NATIVE=OFF"
    [ "$(uname -m)" = x86_64 ] && cmake_args="$cmake_args -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
    CMAKE_ARGS="$cmake_args" .venv/bin/pip install --disable-pip-version-check -q --no-cache-dir \
      "llama-cpp-python[server]" 2>&1 | grep -v "is ignored" || true
  fi
  # torch is pinned in the same command: any other torch pulls a multi-GB CUDA build.
  .venv/bin/pip install --disable-pip-version-check -q torch==2.13.0 -e "$spec" 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import rag, index" 
  touch "$stamp"
fi
