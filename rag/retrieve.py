"""Hybrid retrieval: one Chroma query (dense) and one FTS5 query (BM25), fused by reciprocal rank.

Own RRF rather than llama-index's QueryFusionRetriever: the fusion is ten lines, and
going through llama-index node objects would add its per-node overhead to every query.

    >>> from rag.retrieve import rrf
    >>> rrf([["a", "b"], ["b", "c"]], weights=[1.0, 1.0], k=60)[0][0]
    'b'
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import threading
from dataclasses import dataclass, replace
from typing import Sequence

from rag.text import fold
from rag.types import Filters

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here hers
    herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves say said says tell told mr mrs ms dr else
    many much""".split()
)
WORD = re.compile(r"\w+")


def fast_fold(text: str) -> str:
    """`index.dedupe.fold`, with a shortcut for plain ASCII text (most of it)."""
    return text.lower() if text.isascii() else fold(text)


def content_words(text: str) -> list[str]:
    """Folded words of `text` that carry meaning, in order, without repeats."""
    seen: dict[str, None] = {}
    for w in WORD.findall(fast_fold(text)):
        if w not in STOPWORDS and (len(w) > 1 or w.isdigit()):
            seen.setdefault(w, None)
    return list(seen)


def fts_query(words: Sequence[str]) -> str | None:
    """An FTS5 OR-query of `words`, each quoted so no word is read as syntax."""
    return " OR ".join(f'"{w}"' for w in words) if words else None


_porter = threading.local()


def porter_stems(words: Sequence[str]) -> list[str]:
    """The stems FTS5's `porter` tokenizer stores for `words` (already folded): the keys of its vocabulary."""
    stemmer = getattr(_porter, "stemmer", None)
    if stemmer is None:  # PyStemmer objects are not thread-safe: one per thread
        import Stemmer

        stemmer = _porter.stemmer = Stemmer.Stemmer("porter")
    return stemmer.stemWords(list(words))


def rrf(rankings: Sequence[Sequence[str]], weights: Sequence[float], k: int) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: sum of weight / (k + rank) over the rankings, best first."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, key in enumerate(ranking):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank + 1)
    return sorted(scores.items(), key=lambda kv: -kv[1])


@dataclass(frozen=True)
class RetrievalConfig:
    """Knobs the evaluation tunes. `candidates`: passages each side contributes before fusion."""

    # Tuned on MultiHop-RAG dev (bench/tune_multihop.py): BM25 is the stronger side on news
    # (names, numbers, publishers) and a small k trusts the top ranks. BM25 x2 rather than the
    # MultiHop optimum x3: within 0.6 point there on every metric, and paraphrased questions on
    # the seeds gold set ("traveled to Mexico City" / "arrived in the Mexican capital") need the
    # dense side (seeds Hit@5 0.94 -> 0.98).
    candidates: int = 60
    rrf_k: int = 10
    dense_weight: float = 1.0
    bm25_weight: float = 2.0
    passages: int = 8  # fused passages handed to evidence selection
    min_similarity: float = 0.2  # below this best dense cosine, nothing in the index is about the question
    min_coverage: float = 0.4  # share of the question's (rarity-weighted) words the best sentence must hold
    # The BM25 query takes the question's rarest words until their chunk counts add up to this budget.
    # FTS5 scores every chunk a word matches: at 100k chunks a long question's common words cost
    # 60 ms, while their IDF is near zero, so they barely move the ranking. The budget bounds the work
    # whatever the index size (BM25 side at 100k chunks: 77 -> 12 ms p50); on MultiHop-RAG dev (9k chunks)
    # Hits@4/10, MRR@10 and MAP@10 stay within 0.5 point of the unpruned query.
    # 6,000 rather than 10,000: 2 ms less per query at 9k chunks, metrics within 0.3 point.
    max_postings: int = 6_000
    max_terms: int = 24


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, with its place in the fused ranking."""

    chunk_id: str
    article_id: str
    start: int
    end: int
    text: str
    dup_of: str | None
    rank: int
    score: float
    dense: float | None  # cosine similarity to the question, when the dense side found it


def chroma_where(filters: Filters | None) -> dict | None:
    """Chroma metadata filter for `filters` (date_num is YYYYMMDD as an int)."""
    if filters is None or filters.is_empty():
        return None
    clauses: list[dict] = []
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    if filters.article_ids:
        clauses.append({"article_id": {"$in": list(filters.article_ids)}})
    if filters.date_from:
        clauses.append({"date_num": {"$gte": int(filters.date_from.strftime("%Y%m%d"))}})
    if filters.date_to:
        clauses.append({"date_num": {"$lte": int(filters.date_to.strftime("%Y%m%d"))}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def sql_where(filters: Filters | None) -> tuple[str, list]:
    """SQL conditions on `articles a` for `filters` (ISO dates compare as strings)."""
    if filters is None or filters.is_empty():
        return "", []
    parts, params = [], []
    if filters.sources:
        parts.append(f"a.source IN ({','.join('?' * len(filters.sources))})")
        params += list(filters.sources)
    if filters.article_ids:
        parts.append(f"a.id IN ({','.join('?' * len(filters.article_ids))})")
        params += list(filters.article_ids)
    if filters.date_from:
        parts.append("a.date >= ?")
        params.append(filters.date_from.isoformat())
    if filters.date_to:
        parts.append("a.date <= ?")
        params.append(filters.date_to.isoformat())
    return " AND " + " AND ".join(parts), params


@dataclass(frozen=True)
class RankedPassage:
    """A retrieved passage with its article's metadata, as `Assistant.retrieve` returns it."""

    rank: int
    chunk_id: str
    article_id: str
    title: str
    source: str | None
    date: str | None
    text: str
    start: int
    end: int
    score: float


def interleave_sources(fused: list[tuple[str, float]], source_of: dict[str, str | None],
                       named: Sequence[str]) -> list[tuple[str, float]]:
    """Take the best passage of each named publisher in turn, then the rest in fused order.

    Multi-source questions ("... according to Fortune, and ... as reported by The Age")
    need evidence from each publisher; a plain fused ranking lets one of them crowd
    out the other. On MultiHop-RAG dev this lifts Hits@10 from 0.89 to 0.94.

        >>> interleave_sources([("a1", 3), ("a2", 2), ("b1", 1)], {"a1": "A", "a2": "A", "b1": "B"}, ["A", "B"])
        [('a1', 3), ('b1', 1), ('a2', 2)]
    """
    queues = [[item for item in fused if source_of.get(item[0]) == source] for source in named]
    ordered: list[tuple[str, float]] = []
    for row in itertools.zip_longest(*queues):
        ordered.extend(item for item in row if item is not None)
    taken = {cid for cid, _ in ordered}
    return ordered + [item for item in fused if item[0] not in taken]


def source_clauses(question: str, named: Sequence[str]) -> list[tuple[str, str]]:
    """(publisher, the part of the question about it): the text between the neighbouring publishers' mentions.

    A multi-source question ("X, according to 'Fortune', and Y, as reported by 'The Age'") asks one thing
    of each publisher; each clause finds that publisher's passage better than the whole question does.

        >>> source_clauses("Did Fortune say the price fell, while The Age said it rose?", ["Fortune", "The Age"])
        [('Fortune', 'Did say the price fell, while'), ('The Age', 'say the price fell, while said it rose?')]
    """
    folded = fast_fold(question)
    spans = sorted((m.start(), m.end(), source) for source in named
                   if (m := re.search(rf"\b{re.escape(fast_fold(source))}\b", folded)))
    clauses = []
    for k, (start, end, source) in enumerate(spans):
        before = spans[k - 1][1] if k else 0
        after = spans[k + 1][0] if k + 1 < len(spans) else len(question)
        clauses.append((source, " ".join((question[before:start] + " " + question[end:after]).split())))
    return clauses


def round_robin(rankings: Sequence[Sequence[str]]) -> list[str]:
    """The first of each ranking, then the second of each, ..., without repeats.

        >>> round_robin([["a", "b"], ["a", "c", "d"]])
        ['a', 'b', 'c', 'd']
    """
    seen: dict[str, None] = {}
    for row in itertools.zip_longest(*rankings):
        seen.update((key, None) for key in row if key is not None)
    return list(seen)


class HybridRetriever:
    """Dense + BM25 over one index, fused; syndicated copies of a chunk collapsed into the best ranked.

        retriever = HybridRetriever(collection, Library(index_dir), RetrievalConfig())
        passages = retriever.retrieve("fentanyl made in Mexico", vector, filters=None)
    """

    def __init__(self, collection, library, config: RetrievalConfig):
        self.collection = collection
        self.library = library  # rag.store.Library: one SQLite connection per thread
        self.config = config
        # Chunk counts per stem, kept while the last chunk rowid stays the same (every ingest moves it; a
        # removal may not, and counts a little too high only drop a word sooner). Looking 20 words up
        # in FTS5's vocabulary costs 5 ms at 100k chunks.
        self._df: dict[str, int] = {}
        self._df_generation = -1

    @property
    def db(self) -> sqlite3.Connection:
        return self.library.connect()

    def dense(self, vector, filters: Filters | None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        # No count() first: Chroma returns what it has when asked for more, and count() costs 9 ms at 100k chunks.
        res = self.collection.query(
            query_embeddings=[list(map(float, vector))],
            n_results=self.config.candidates,
            where=chroma_where(filters),
            include=["distances"],
        )
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]

    def keyword_terms(self, question: str) -> list[str]:
        """The question's content words worth a BM25 lookup, in the question's order.

        The rarest first, while the chunks they match stay within `config.max_postings`;
        at least the three rarest.
        """
        words = content_words(question)[: self.config.max_terms]
        if len(words) <= 3:
            return words
        stems = porter_stems(words)
        df = self._chunk_counts(stems)
        kept, postings = set(), 0
        for i in sorted(range(len(words)), key=lambda i: df.get(stems[i], 0)):
            postings += df.get(stems[i], 0)
            if len(kept) >= 3 and postings > self.config.max_postings:
                break
            kept.add(i)
        return [w for i, w in enumerate(words) if i in kept]

    def _chunk_counts(self, stems: list[str]) -> dict[str, int]:
        """How many chunks hold each stem, from FTS5's own vocabulary (nothing loaded whole)."""
        generation = self.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM chunks").fetchone()[0]
        if generation != self._df_generation or len(self._df) > 100_000:
            self._df, self._df_generation = {}, generation
        missing = [s for s in dict.fromkeys(stems) if s not in self._df]
        if missing:
            found = dict(self.db.execute(
                f"SELECT term, doc FROM temp.chunks_vocab WHERE term IN ({','.join('?' * len(missing))})", missing))
            self._df.update({s: found.get(s, 0) for s in missing})
        return self._df

    def keyword(self, question: str, filters: Filters | None) -> list[str]:
        """Chunk ids by BM25 (text weighted above title and source), best first."""
        match = fts_query(self.keyword_terms(question))
        if not match:
            return []
        where, params = sql_where(filters)
        if filters and filters.sources:
            # Narrow to the publishers inside FTS5 (its `source` column) so the join below ranks their
            # matches only, not every chunk the words match; the SQL condition keeps the names exact.
            phrases = " OR ".join('"' + s.replace('"', '""') + '"' for s in filters.sources)
            match = f"source : ({phrases}) AND ({match})"
        if not where:
            # Rank inside FTS first, join only the winners: half the time of joining every match.
            rows = self.db.execute(
                """SELECT c.id FROM (SELECT rowid, bm25(chunks_fts, 1.0, 0.5, 0.2) AS score FROM chunks_fts
                                     WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?) f
                   JOIN chunks c ON c.rowid = f.rowid ORDER BY f.score""",
                [match, self.config.candidates],
            ).fetchall()
            return [r[0] for r in rows]
        rows = self.db.execute(
            f"""SELECT c.id FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid
                JOIN articles a ON a.id = c.article_id
                WHERE chunks_fts MATCH ?{where}
                ORDER BY bm25(chunks_fts, 1.0, 0.5, 0.2) LIMIT ?""",
            [match, *params, self.config.candidates],
        ).fetchall()
        return [r[0] for r in rows]

    def named_sources(self, question: str) -> list[str]:
        """Publishers of the index that the question names, in the order it names them."""
        folded = fast_fold(question)
        found: list[tuple[int, str]] = []
        sources = [r[0] for r in self.db.execute("SELECT DISTINCT source FROM articles WHERE source IS NOT NULL")]
        for source in sorted(sources, key=len, reverse=True):  # "The New York Times" before "Times"
            name = fast_fold(source)
            at = re.search(rf"\b{re.escape(name)}\b", folded)
            if at and not any(name in fast_fold(other) for _, other in found):
                found.append((at.start(), source))
        return [source for _, source in sorted(found)]

    def retrieve(self, question: str, vector, filters: Filters | None = None,
                 limit: int | None = None) -> tuple[list[Passage], float]:
        """Fused passages (at most `limit`, default `config.passages`; committed chunks only) and the best
        dense similarity seen."""
        limit = limit or self.config.passages
        dense = self.dense(vector, filters)
        similarity = dict(dense)
        fused = rrf([[cid for cid, _ in dense], self.keyword(question, filters)],
                    [self.config.dense_weight, self.config.bm25_weight], self.config.rrf_k)
        named = [] if filters and filters.sources else self.named_sources(question)
        by_clause: list[str] = []
        if len(named) >= 2:
            # Each publisher's own clause, searched in that publisher's articles only (BM25: 1-2 ms each).
            # On MultiHop-RAG dev: Hits@4 0.816 -> 0.831, MRR@10 0.635 -> 0.661, MAP@10 0.337 -> 0.349.
            by_clause = round_robin([self.keyword(clause, replace(filters or Filters(), sources=(source,)))
                                     for source, clause in source_clauses(question, named)])
        ids = list(dict.fromkeys([cid for cid, _ in fused] + by_clause))
        if not ids:
            return [], 0.0
        # Chroma ids missing from SQLite are uncommitted writes of an interrupted ingest: ignored here.
        rows = {r["id"]: r for r in self.db.execute(
            f"""SELECT c.id, c.article_id, c.start, c.end, c.text, c.dup_of, a.source FROM chunks c
                JOIN articles a ON a.id = c.article_id WHERE c.id IN ({','.join('?' * len(ids))})""", ids)}
        if named:
            fused = interleave_sources(fused, {cid: r["source"] for cid, r in rows.items()}, named)
        if by_clause:
            fused = rrf([[cid for cid, _ in fused if cid in rows], by_clause], [1.0, 1.0], self.config.rrf_k)
        passages: list[Passage] = []
        seen: set[str] = set()
        for cid, score in fused:
            row = rows.get(cid)
            if row is None or cid in seen:
                continue
            # A syndicated copy of a passage already taken adds nothing.
            seen.update(x for x in (cid, row["dup_of"]) if x)
            if row["dup_of"] in {p.chunk_id for p in passages}:
                continue
            passages.append(Passage(cid, row["article_id"], row["start"], row["end"], row["text"], row["dup_of"],
                                    len(passages), score, similarity.get(cid)))
            if len(passages) >= limit:
                break
        best = max((s for _, s in dense if s is not None and _ in rows), default=0.0)
        return passages, best
