"""The write side: turn article files into a searchable index.

    >>> from index import ingest, remove, stats
    >>> from rag.settings import Settings
    >>> settings = Settings.load()                # RAG_* environment, e.g. RAG_INDEX_DIR
    >>> print(ingest(["seeds"], settings).summary())
    >>> [a.title for a in stats(settings).articles]
"""

from index.pipeline import (
    FileProblem, IndexStats, IngestBusyError, IngestInputError, IngestReport, RepairReport, ingest, remove, repair,
    stats,
)

__all__ = ["ingest", "remove", "repair", "stats", "IngestReport", "RepairReport", "IndexStats", "FileProblem", "IngestBusyError",
           "IngestInputError"]
