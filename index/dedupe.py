"""Near-duplicate detection: syndicated copies of one story, and their shared chunks.

Articles are compared by MinHash over 5-word shingles (accent- and case-folded).
On the seeds, the Boston Globe reprint and the New York Times original score a
Jaccard of about 0.15 while unrelated stories on the same topic score under 0.01;
`ARTICLE_THRESHOLD` sits between.

    >>> a = signature("The fentanyl being trafficked into the United States is the deadliest drug threat")
    >>> b = signature("The fentanyl being trafficked into the United States is the deadliest drug threat ever")
    >>> similarity(a, b) > 0.5
    True
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np

from rag.text import fold

SHINGLE_WORDS = 5
PERMUTATIONS = 128
ARTICLE_THRESHOLD = 0.08
# Copies are edited (sentences dropped, "Mr." added), so overlapping chunks of a story share
# only part of their shingles; within one syndication group a quarter is already the same passage.
CHUNK_THRESHOLD = 0.25


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    words = re.findall(r"\w+", fold(text))
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def signature(text: str) -> np.ndarray:
    from datasketch import MinHash  # here, not at the top: it takes 0.8 s to import and `rag ask` never needs it

    minhash = MinHash(num_perm=PERMUTATIONS)
    minhash.update_batch([s.encode() for s in shingles(text)])
    return minhash.hashvalues.astype(np.uint64)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def best_match(candidate: np.ndarray, known: dict[str, np.ndarray]) -> tuple[str | None, float]:
    """The known article most similar to `candidate`, if any is above ARTICLE_THRESHOLD."""
    if not known:
        return None, 0.0
    ids = list(known)
    scores = np.mean(np.stack([known[i] for i in ids]) == candidate, axis=1)
    best = int(np.argmax(scores))
    return (ids[best], float(scores[best])) if scores[best] >= ARTICLE_THRESHOLD else (None, float(scores[best]))


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def reprints(articles: Iterable) -> set[str]:
    """Ids of the articles that reprint another article of their syndication group (`.group`): all but each
    group's original, taken to be the earliest dated, then the longest in chunks (reprints are cut to fit:
    the seeds' Boston Globe copy of a New York Times story has 5 chunks to its 7), then the group's first.

        >>> from types import SimpleNamespace as A
        >>> sorted(reprints([A(id="globe", group="globe", date=None, chunks=5),
        ...                  A(id="nyt", group="globe", date=None, chunks=7), A(id="x", group=None, date=None, chunks=3)]))
        ['globe']
    """
    groups: dict[str, list] = {}
    for a in articles:
        if a.group:
            groups.setdefault(a.group, []).append(a)
    copies: set[str] = set()
    for group, members in groups.items():
        original = min(members, key=lambda a: (a.date or "9999-12-31", -a.chunks, a.id != group))
        copies.update(a.id for a in members if a is not original)
    return copies
