#!/usr/bin/env bash
# Set up, build the index from seeds/ if there is none, and start the chat at http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
index_dir="${RAG_INDEX_DIR:-.rag/index}"
if [ ! -f "$index_dir/manifest.json" ]; then
  echo "==> Indexing seeds/ into $index_dir (about 30 s: loading the model, then 5 articles)"
  began=$SECONDS
  .venv/bin/rag index seeds --index "$index_dir"
  echo "    done in $((SECONDS - began)) s"
fi
echo "==> Starting the chat (about 20 s)"
exec .venv/bin/rag ui --index "$index_dir" "$@"
