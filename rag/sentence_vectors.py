"""Sentence vectors: each sentence's embedding, computed once at ingest and stored beside the sentence, so that
answering compares sentences with the question by meaning without encoding them while the reader waits.

Evidence selection (`rag.evidence`) ranks a question's candidate sentences by their cosine to it. Encoded at query
time, up to 12 sentences cost 55 ms on 2 cores (int8 MiniLM, 4.6 ms a sentence against 4.1 ms for the question
itself) and were the largest part of `query()` at 100,000 chunks for the 47% of questions that need them
(bench/backends.py). Stored as float16: 768 bytes a sentence (MultiHop-RAG: 58,550 sentences, 45 MB); the cosines
of float16 and float32 vectors differ by less than 0.001. A library built before vectors were stored, or a text
that is not one sentence (a quotation with its continuation), is encoded at query time as before;
`rag index --repair` stores the missing ones.

    >>> import numpy as np
    >>> v = np.array([[0.6, 0.8]], dtype=np.float32)
    >>> from_bytes(to_bytes(v)[0]).tolist()
    [0.60009765625, 0.7998046875]
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from rag.store import sentence_vectors

DTYPE = np.float16


def to_bytes(vectors: np.ndarray) -> list[bytes]:
    """The stored form of each row of `vectors` (L2-normalised embeddings)."""
    return [row.tobytes() for row in np.asarray(vectors, dtype=DTYPE)]


def from_bytes(blob: bytes) -> np.ndarray:
    """A stored vector as float32."""
    return np.frombuffer(blob, dtype=DTYPE).astype(np.float32)


class StoredSimilarity:
    """The cosines `rag.evidence.select` asks for (a `rag.evidence.Similarity`), from the stored vectors of the sentences it compares, encoding
    only the texts that have none.

        similarity = StoredSimilarity(embedder, db, question_vector, sentences)
        similarity(["He wrote a letter calling it an untenable situation."], None)   # -> [0.41]
    """

    def __init__(self, embedder, db, question_vector: np.ndarray, sentences: dict, *, stored: bool = True):
        self.embedder, self.db, self.question_vector, self.stored = embedder, db, question_vector, stored
        self._keys = {s.text: (s.article_id, s.idx) for sents in sentences.values() for s in sents} if stored else {}

    def __call__(self, texts: Sequence[str], about: str | None = None) -> np.ndarray:
        target = self.question_vector if about is None else self.embedder.encode([about], threads=1)[0]
        keys = {t: self._keys[t] for t in texts if t in self._keys}
        found = sentence_vectors(self.db, list(dict.fromkeys(keys.values()))) if keys else {}
        vectors = {t: from_bytes(found[k]) for t, k in keys.items() if k in found}
        missing = [t for t in dict.fromkeys(texts) if t not in vectors]
        if missing:
            vectors.update(zip(missing, self.embedder.encode(missing, threads=1)))
        return np.array([float(vectors[t] @ target) for t in texts])
