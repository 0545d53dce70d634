"""Answers while the vector store has lost every vector, beside the same index with its vectors, in one run.

    .venv/bin/python -m bench.lost_vectors [--index DIR]

On the seeds index (built in a temporary folder unless --index is given; its vectors are deleted and then
repaired with `rag index --repair`'s `repair`), every question of the seeds gold set is asked three times:
with all vectors, with none (BM25 alone, the passages it finds embedded on the spot: what the assistant does),
and with none and no such embedding. Printed: how many are answered, and how many answers cite exactly the
articles they cite with vectors. It chose `HybridRetriever`'s embedding of passages when no vector comes back.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench._util import ROOT, seed_questions, table
from index import ingest, repair
from rag.assistant import Assistant, query
from rag.settings import Settings
from rag.store import chroma_collection
from rag.vector_check import vector_ids


def answers(assistant: Assistant, questions: list[str]) -> list[tuple[bool, tuple[str, ...]]]:
    """(answered, the cited article ids) of each question."""
    out = []
    for q in questions:
        a = query(q, index=assistant)
        out.append((not a.abstained, tuple(c.article_id for c in a.citations)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", help="a seeds index to use (its vectors are deleted, then repaired)")
    args = parser.parse_args()
    if args.index:
        measure(Path(args.index))
        return
    with tempfile.TemporaryDirectory(prefix="lost-vectors-") as tmp:
        measure(Path(tmp))


def measure(index_dir: Path) -> None:
    settings = Settings.load(overrides={"index_dir": str(index_dir)})
    if not (index_dir / "library.sqlite").is_file():
        ingest([ROOT / "seeds"], settings)
    questions = seed_questions()
    with_vectors = answers(Assistant(settings), questions)
    collection = chroma_collection(settings, create=False)
    collection.delete(ids=sorted(vector_ids(collection)))
    lost = Assistant(settings)
    embedded = answers(lost, questions)
    lost.retriever.embed = None
    bm25_only = answers(lost, questions)
    print(repair(settings).summary())
    rows = [(name, sum(ok for ok, _ in runs), sum(run[1] == full[1] for run, full in zip(runs, with_vectors)))
            for name, runs in (("all vectors", with_vectors), ("no vectors, passages embedded", embedded),
                               ("no vectors, BM25 alone", bm25_only))]
    print(f"seeds gold set, {len(questions)} questions")
    print(table(("vectors", "answered", "same articles cited as with vectors"), rows))


if __name__ == "__main__":
    main()
