"""Where the evaluation's data and indexes are by default: one place for `rag eval`, the benchmarks and the tests.

    >>> from eval.paths import MULTIHOP_DIR, eval_index_dir
    >>> (MULTIHOP_DIR / "corpus.json").is_file()     # ../shared/data/multihop-rag beside the checkout
    True
    >>> eval_index_dir("multihop", Settings()).name
    'index-multihop'
"""

from __future__ import annotations

from pathlib import Path

from rag.settings import REPO_ROOT, Settings

SEEDS_DIR = REPO_ROOT / "seeds"
GOLD_DIR = REPO_ROOT / "eval" / "gold"
SEEDS_GOLD = GOLD_DIR / "seeds.jsonl"
EVAL_DIR = REPO_ROOT / ".rag" / "eval"  # evaluation indexes and reports
# MultiHop-RAG (corpus.json, queries-dev.json) lives outside the repository: its articles are not ours to copy.
MULTIHOP_DIR = REPO_ROOT.parent / "shared" / "data" / "multihop-rag"
MULTIHOP_CORPUS = MULTIHOP_DIR / "corpus.json"
MULTIHOP_QUERIES = MULTIHOP_DIR / "queries-dev.json"


def eval_index_dir(name: str, settings: Settings) -> Path:
    """The evaluation index of corpus `name` ("seeds", "multihop") for these settings.

    Another embedding backend or chunking gets its own index (index-<name>-<backend>, index-<name>-c<size>o<overlap>),
    so runs can be compared, e.g. the paper's chunk size: `RAG_CHUNK_SIZE=256 RAG_CHUNK_OVERLAP=200 rag eval --multihop`.
    """
    if settings.backend != Settings.backend:
        name = f"{name}-{settings.backend}"
    if (settings.chunk_size, settings.chunk_overlap) != (Settings.chunk_size, Settings.chunk_overlap):
        name = f"{name}-c{settings.chunk_size}o{settings.chunk_overlap}"
    return EVAL_DIR / f"index-{name}"
