#!/usr/bin/env bash
# Create or update .venv with the project and the given extras; a no-op when nothing changed.
# Usage: scripts/setup.sh [EXTRAS]   e.g. scripts/setup.sh test,llm
# Each step prints what it does, about how long it takes on a 2-core machine, then how long it took;
# pip prints its own progress in between.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
pip=(.venv/bin/python -m pip --disable-pip-version-check)

step_began=$SECONDS
step() { step_began=$SECONDS; printf '==> %s\n' "$*"; }
step_done() { printf '    done in %d s\n' $((SECONDS - step_began)); }
# pip's output, line by line, without the machine's pip-config noise ("Location ... is ignored") and the long
# list of requirements already in place; pip's own exit status is kept.
pip_run() {
  "${pip[@]}" "$@" 2>&1 | { grep --line-buffered -v -e "is ignored" -e "^Requirement already satisfied" || true; }
}

if [ ! -x .venv/bin/python ]; then
  step "Creating .venv with $("$python" --version) (a few seconds)"
  "$python" -m venv .venv
  step_done
fi
spec="."
[ -n "$extras" ] && spec=".[$extras]"
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras//,/-}"
[ -f "$stamp" ] && exit 0

began=$SECONDS
# pip before 23.3 compares extras by their written name, so justext's `lxml[html_clean]` misses lxml's
# `html-clean` and warns "lxml does not provide the extra 'html_clean'" (PEP 685 made them equal).
step "Updating pip in .venv (a few seconds)"
pip_run install -q "pip>=23.3"
step_done

find_links=()
if [[ ",$extras," == *",llm,"* ]]; then
  # llama.cpp builds with -march=native by default: on CPUs that list AMX it emits AMX tile instructions,
  # which die with SIGILL ("tilezero", invalid opcode) on VMs that do not enable AMX state, as these do.
  # So a portable build, made once and kept as a wheel under a key of everything that shapes it. LLAVA_BUILD=OFF
  # leaves out the multimodal library (mtmd), which llama_cpp loads only for image chat formats, never for ours.
  llama=$(.venv/bin/python -c 'import re, tomllib; print(next(d for d in tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["llm"] if d.startswith("llama-cpp-python")))')
  llama_version=${llama##*==}
  cmake_args="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF"
  [ "$(uname -m)" = x86_64 ] && cmake_args="$cmake_args -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
  key="$llama_version-$(printf '%s|%s|%s' "$cmake_args" "$(uname -m)" "$(.venv/bin/python -c 'import sys; print(sys.implementation.cache_tag)')" | sha256sum | cut -c1-12)"
  wheels="${NEWSRAG_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/newsrag/wheels}/llama-cpp-python-$key"
  if ! compgen -G "$wheels/llama_cpp_python-*.whl" >/dev/null; then
    step "Building llama-cpp-python $llama_version from source, portable ($cmake_args): once per machine, 45 min measured on 2 busy cores, less when they are idle; kept in $wheels"
    building=$(mktemp -d)
    # pip says only "started" until the compiler is done: a line a minute says it is still at work.
    (while sleep 60; do printf '    still building (%d min)\n' $(((SECONDS - step_began) / 60)); done) &
    ticker=$!
    trap 'kill $ticker 2>/dev/null || true' EXIT  # the ticker may be gone: not a failure
    # No pip cache: it may hold a native build of the same version from an earlier install.
    CMAKE_ARGS="$cmake_args" pip_run wheel --no-deps --no-cache-dir -w "$building" "llama-cpp-python==$llama_version"
    kill $ticker
    mkdir -p "$wheels" && mv "$building"/llama_cpp_python-*.whl "$wheels"/ && rmdir "$building"
    step_done
  else
    echo "==> llama-cpp-python $llama_version: using the wheel built earlier in $wheels"
  fi
  find_links=(--find-links "$wheels" --only-binary llama-cpp-python)
fi

step "Installing the project${extras:+ with $extras} and its dependencies into .venv (about 5 min on a fresh machine: torch, transformers, chromadb, gradio, llama-index)"
# torch is pinned in the same command: any other torch pulls a multi-GB CUDA build.
pip_run install "${find_links[@]}" torch==2.13.0 -e "$spec"
.venv/bin/python -c "import rag, index"
touch "$stamp"
step_done
echo "==> .venv ready in $((SECONDS - began)) s"
