"""Whether the Chroma collection holds a vector for every committed chunk, and none for anything else.

The library (SQLite or PostgreSQL) is the commit point (`rag.store`). A Chroma server restarted without its volume, or
restored from an older backup, holds fewer vectors than the library has chunks, and nothing else notices:
BM25 still answers, the dense side silently finds nothing, an ingest sees its articles "unchanged".
Opening an index (`Assistant`, `rag stats`, the chat's banner) and every ingest compare the two counts
(one `count()` each); only when they differ are the ids listed, to say exactly what is missing.
`rag index --repair` (`index.pipeline.repair`) mends what this finds.

    gap = check_vectors(library, collection, collection_place(settings))   # rag.store.collection_place
    if gap:
        print(gap.line())   # 22 of 22 chunks have no vector in the Chroma collection 'seeds' on http://…
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.store import Library, chunk_ids_and_pending, count_chunks

# Vector ids read per Chroma `get`: a page the client takes at once. Not measured.
ID_PAGE = 5000
REPAIR = "run `rag index --repair`"


@dataclass(frozen=True)
class VectorGap:
    """How the collection differs from the library: committed chunks with no vector (`missing`) and vectors of
    no chunk, committed or pending (`stray`). False when they agree."""

    chunks: int  # committed chunks in the library
    missing: frozenset[str]
    stray: frozenset[str]
    place: str  # "the Chroma collection 'seeds' on http://127.0.0.1:8000"

    def __bool__(self) -> bool:
        return bool(self.missing or self.stray)

    def line(self) -> str:
        """What is wrong and what to do, in one line ("" when nothing is)."""
        if self.missing:
            have = "has" if len(self.missing) == 1 else "have"
            line = f"{len(self.missing)} of {_count(self.chunks, 'chunk')} {have} no vector in {self.place}"
            if self.stray:
                line += f", which holds {_count(len(self.stray), 'vector')} of no chunk"
            return f"{line} (the vector store lost them?): {REPAIR}"
        if self.stray:
            belong = "belongs" if len(self.stray) == 1 else "belong"
            return (f"{_count(len(self.stray), 'vector')} in {self.place} {belong} to no chunk of the library: "
                    f"{REPAIR} to drop them")
        return ""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"



def check_vectors(library: Library, collection, place: str, *, exact: bool = False) -> VectorGap:
    """Compare the library's chunks with the vectors of `collection` (None: the collection itself is gone).

    Counts first; the ids only when the counts differ or with `exact` (a repair). The library is read before
    and after the ids, so an ingest or removal under way counts as neither missing nor stray: a vector is
    written (and listed in `pending`) before its chunk commits, and deleted only after its chunk is gone.
    """
    db = library.connect()
    chunks = count_chunks(db)
    if not exact and collection is not None and collection.count() == chunks:
        return VectorGap(chunks, frozenset(), frozenset(), place)
    committed, pending = chunk_ids_and_pending(db)
    vectors = vector_ids(collection)
    committed_after, pending_after = chunk_ids_and_pending(db)
    missing = (committed & committed_after) - vectors
    stray = vectors - committed - pending - committed_after - pending_after
    return VectorGap(len(committed_after), frozenset(missing), frozenset(stray), place)


def vector_ids(collection) -> set[str]:
    """Every id in `collection` (none when it is None), read a page at a time."""
    ids: set[str] = set()
    if collection is None:
        return ids
    offset = 0
    while True:
        page = collection.get(include=[], limit=ID_PAGE, offset=offset)["ids"]
        ids.update(page)
        offset += len(page)
        if len(page) < ID_PAGE:
            return ids
