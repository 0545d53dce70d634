"""Hybrid retrieval: one Chroma query (dense) and one FTS5 query (BM25), fused by reciprocal rank (`rag.fusion`).

Then two steps for questions about several reports: each report's clause searched by BM25 within
its publisher and publication day (`rag.report_clauses`), and the fused top passages re-ranked by
their best sentence, then placed so that each fact of a multi-part question comes early (`rag.ordering`).

    retriever = HybridRetriever(collection, Library(index_dir), RetrievalConfig())
    passages, best_similarity = retriever.retrieve("fentanyl made in Mexico", vector)
"""

from __future__ import annotations

import math
import re
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any, Callable

from rag.filters import chroma_where
from rag.fusion import interleave_sources, round_robin, rrf
from rag.ordering import Candidate, OrderFeatures, OrderWeights, best_sentences, coverage_order, sentence_stems
from rag.report_clauses import Clause, report_clauses
from rag.store import Connection, chunk_rows, last_chunk_rowid, publishers, sentence_spans
from rag.text import content_words, fast_fold, porter_stems
from rag.types import Filters


# The keyword query keeps at least this many of a question's rarest words, whatever they cost (see
# `RetrievalConfig.max_postings`). Not measured.
MIN_TERMS = 3
# Stems whose chunk counts are kept between ingests; past it the cache starts again. A bound on memory, not measured.
MAX_CACHED_STEMS = 100_000
# The place in the report clauses' round robin given to a passage it does not hold (the `clause` feature of
# `rag.ordering`). Not measured apart; the feature's weight was learned with it (MultiHop-RAG dev MAP@10
# 0.377/0.379 -> 0.391/0.398 with the order).
UNRANKED = 100


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
    # The fused top `rerank_pool` are re-ranked by their best sentence (see `best_sentences`), fused
    # with the order they came in. MultiHop-RAG dev: MRR@10 0.672 -> 0.707, MAP@10 0.359 -> 0.379,
    # Hits@4 0.842 -> 0.852 (pool 30: 0.704/0.378; 40: 0.701/0.376).
    rerank_pool: int = 20
    rerank_weight: float = 1.0
    order: OrderWeights = OrderWeights()  # then placed by `coverage_order`


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


@dataclass(frozen=True)
class KeywordHits:
    """The keyword side of a retrieval: BM25 chunk ids best first, the publishers the question names, and the
    round-robin of its report clauses' own BM25 rankings (empty for a one-report question)."""

    ranking: list[str]
    named: list[str]
    by_clause: list[str]
    days: frozenset[str] = frozenset()  # ISO days the question's reports name


def _done(fn: Callable, *args) -> Future:
    """`fn(*args)` run now, as a finished Future (`HybridRetriever.keyword_hits` without an executor)."""
    future: Future = Future()
    future.set_result(fn(*args))
    return future


class HybridRetriever:
    """Dense + BM25 over one index, fused; syndicated copies of a chunk collapsed into the best ranked.

        retriever = HybridRetriever(collection, Library(index_dir), RetrievalConfig())
        passages = retriever.retrieve("fentanyl made in Mexico", vector, filters=None)
    """

    def __init__(self, collection, library, config: RetrievalConfig, embed: Callable[[list[str]], Any] | None = None,
                 reopen: Callable[[], Any] | None = None):
        """`collection` None: the index's collection is lost (`rag.vector_check`), BM25 answers alone.
        `embed(texts)`: normalised vectors of texts, to measure passages by meaning when no vector came back.
        `reopen()`: the collection as it is now (None while lost), for a collection lost at open or since (a
        server restarted without its data forgets the collection this one names; a repair makes a new one)."""
        self.collection = collection
        self.library = library  # rag.store.open_library: one connection per thread
        self.config = config
        self.embed = embed
        self.reopen = reopen
        # Chunk counts per stem, kept while the last chunk rowid stays the same (every ingest moves it; a
        # removal may not, and counts a little too high only drop a word sooner). Looking 20 words up
        # in FTS5's vocabulary costs 5 ms at 100k chunks.
        self._df: dict[str, int] = {}
        self._df_generation = -1

    @property
    def db(self) -> Connection:
        return self.library.connect()

    def dense(self, vector, filters: Filters | None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        from chromadb.errors import InternalError, NotFoundError

        if self.collection is None and self.reopen is not None:
            self.collection = self.reopen()
        if self.collection is None:
            return []
        # No count() first: Chroma returns what it has when asked for more, and count() costs 9 ms at 100k chunks.
        ask = dict(query_embeddings=[list(map(float, vector))], n_results=self.config.candidates,
                   where=chroma_where(filters), include=["distances"])
        try:
            res = self.collection.query(**ask)
        except NotFoundError:
            if self.reopen is None:
                raise
            self.collection = self.reopen()
            if self.collection is None:
                return []
            res = self.collection.query(**ask)
        except InternalError:
            # An embedded collection that another process is writing can be read between its segments' flushes
            # ("Error executing plan: Internal error: Error finding id": 1 query of several hundred, 16 clients
            # beside an ingest process, tests/test_concurrency.py); a second read sees the flushed state.
            res = self.collection.query(**ask)
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]

    def keyword_terms(self, question: str) -> list[str]:
        """The question's content words worth a BM25 lookup, in the question's order.

        The rarest first, while the chunks they match stay within `config.max_postings`;
        at least the three rarest.
        """
        words = content_words(question)[: self.config.max_terms]
        if len(words) <= MIN_TERMS:
            return words
        stems = porter_stems(words)
        df = self.chunk_counts(stems)
        kept, postings = set(), 0
        for i in sorted(range(len(words)), key=lambda i: df.get(stems[i], 0)):
            postings += df.get(stems[i], 0)
            if len(kept) >= MIN_TERMS and postings > self.config.max_postings:
                break
            kept.add(i)
        return [w for i, w in enumerate(words) if i in kept]

    def chunk_counts(self, stems: list[str]) -> dict[str, int]:
        """How many chunks hold each stem, from the keyword index's own vocabulary (nothing loaded whole)."""
        generation = last_chunk_rowid(self.db)
        if generation != self._df_generation or len(self._df) > MAX_CACHED_STEMS:
            self._df, self._df_generation = {}, generation
        missing = [s for s in dict.fromkeys(stems) if s not in self._df]
        if missing:
            found = self.db.keyword_counts(missing)
            self._df.update({s: found.get(s, 0) for s in missing})
        return self._df

    def keyword(self, question: str, filters: Filters | None) -> list[str]:
        """Chunk ids by BM25 (text weighted above title and source), best first."""
        return self.db.keyword_search(self.keyword_terms(question), filters, self.config.candidates)

    def named_sources(self, question: str) -> list[str]:
        """Publishers of the index that the question names, in the order it names them."""
        folded = fast_fold(question)
        found: list[tuple[int, str]] = []
        for source in sorted(publishers(self.db), key=len, reverse=True):  # "The New York Times" before "Times"
            name = fast_fold(source)
            at = re.search(rf"\b{re.escape(name)}\b", folded)
            if at and not any(name in fast_fold(other) for _, other in found):
                found.append((at.start(), source))
        return [source for _, source in sorted(found)]

    def keyword_hits(self, question: str, filters: Filters | None = None) -> KeywordHits:
        """The keyword side alone, searched here and now."""
        return self.start_keyword_hits(question, filters, _done)()

    def start_keyword_hits(self, question: str, filters: Filters | None,
                           submit: Callable[..., Future]) -> Callable[[], KeywordHits]:
        """Start the keyword side's searches with `submit` (an executor's: they need no question vector, so they
        run while the question is embedded) and return what waits for them and gives their `KeywordHits`.
        The question's own search and each report clause's are separate jobs, run at once: on PostgreSQL each
        is the server's work on a connection of its own (at 100k chunks a two-report question's three searches
        took 16 ms one after the other)."""
        named = [] if filters and filters.sources else self.named_sources(question)
        clauses = report_clauses(question, named)
        jobs = [submit(self.keyword, question, filters)]
        if len(clauses) >= 2 or any(c.day for c in clauses):
            # Each report's own clause, searched by BM25 in its publisher's articles of its day (1-2 ms each).
            # MultiHop-RAG dev, per publisher: Hits@4 0.816 -> 0.831, MRR@10 0.635 -> 0.661, MAP@10 0.337 -> 0.349;
            # and per day: Hits@4 -> 0.842, MRR@10 -> 0.672, MAP@10 -> 0.359.
            jobs += [submit(self._clause_keyword, question, clause, filters) for clause in clauses]

        def gather() -> KeywordHits:
            found = [job.result() for job in jobs]
            return KeywordHits(found[0], named, round_robin(found[1:]) if len(found) > 1 else [],
                               frozenset(c.day.isoformat() for c in clauses if c.day))
        return gather

    def retrieve(self, question: str, vector, filters: Filters | None = None, limit: int | None = None,
                 keyword: KeywordHits | None = None) -> tuple[list[Passage], float]:
        """Fused passages (at most `limit`, default `config.passages`; committed chunks only) and the best
        dense similarity seen. `keyword`: `keyword_hits(question, filters)` when already computed."""
        pool = self.pool(question, vector, filters, keyword)
        order = coverage_order(pool.candidates, pool.word_weights, self.config.order, pool.named)
        passages = [replace(pool.passages[i], rank=rank) for rank, i in enumerate(order[:limit or self.config.passages])]
        return passages, pool.best_similarity

    def pool(self, question: str, vector, filters: Filters | None = None,
             keyword: KeywordHits | None = None) -> CandidatePool:
        """The top `config.rerank_pool` fused passages, re-ranked by their best sentence, with what
        `coverage_order` weighs of each; `retrieve` places them."""
        keyword = keyword or self.keyword_hits(question, filters)
        named, by_clause = keyword.named, keyword.by_clause
        dense = self.dense(vector, filters)
        similarity = dict(dense)
        fused = rrf([[cid for cid, _ in dense], keyword.ranking],
                    [self.config.dense_weight, self.config.bm25_weight], self.config.rrf_k)
        ids = list(dict.fromkeys([cid for cid, _ in fused] + by_clause))
        if not ids:
            return CandidatePool([], [], {}, named, 0.0)
        # Chroma ids missing from SQLite are uncommitted writes of an interrupted ingest: ignored here.
        rows = chunk_rows(self.db, ids)
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
            # A syndicated copy of a passage already taken adds nothing: copies share the chunk their `dup_of`
            # names (`index.ingest` points each at the group's matching chunk), so that chunk or any copy of it
            # stands for them all.
            copy_of = row["dup_of"]
            seen.add(cid)
            if copy_of:
                if copy_of in seen:
                    continue
                seen.add(copy_of)
            passages.append(Passage(cid, row["article_id"], row["start"], row["end"], row["text"], row["dup_of"],
                                    len(passages), score, similarity.get(cid)))
            if len(passages) >= self.config.rerank_pool:
                break
        best = max((s for _, s in dense if s is not None and _ in rows), default=0.0)
        if not dense and passages and self.embed is not None:
            # BM25 found committed chunks the collection has no vector for (Chroma answers whatever is nearest,
            # so it returns nothing only when it holds nothing within the filters): the vectors are lost
            # (`rag.vector_check`). The passages are embedded here, so the similarity the answer gate and the
            # ordering weigh still means what it does with vectors. Seeds gold set with every vector deleted:
            # 54 of 58 answers cite what they cite with vectors (50 of 58 with BM25 alone), 46 answered either way
            # (bench/lost_vectors.py).
            cosines = self.embed([p.text for p in passages]) @ vector
            passages = [replace(p, dense=float(c)) for p, c in zip(passages, cosines)]
            best = float(max(cosines))
        return self._rerank(question, passages, keyword, rows, best)

    def _clause_keyword(self, question: str, clause: Clause, filters: Filters | None) -> list[str]:
        """BM25 on one report's clause within its publisher and day; within the publisher alone when that day
        holds no match (a day can be an event's, not the publication's)."""
        text = clause.text if content_words(clause.text) else question  # "... and on December 18?"
        narrowed = replace(filters or Filters(), sources=(clause.source,) if clause.source else ())
        dated = (replace(narrowed, date_from=clause.day, date_to=clause.day)
                 if clause.day and not (narrowed.date_from or narrowed.date_to) else None)
        found = self.keyword(text, dated) if dated else []
        return found or (self.keyword(text, narrowed) if clause.source else [])

    def _rerank(self, question: str, passages: list[Passage], keyword: KeywordHits, rows: dict,
                best_similarity: float) -> CandidatePool:
        """`passages` fused with their order by best sentence (`best_sentences`), renumbered, as candidates."""
        if not passages:
            return CandidatePool([], [], {}, keyword.named, best_similarity)
        stems = set(porter_stems(content_words(question)))
        total = last_chunk_rowid(self.db) or 1
        counts = self.chunk_counts(list(stems))
        weights = {t: math.log(1 + total / (1 + counts.get(t, 0))) for t in stems}
        spans = sentence_spans(self.db, [(p.chunk_id, p.article_id, p.start, p.end) for p in passages])
        best = best_sentences(weights, [(p.chunk_id, sentence_stems(p.chunk_id, p.text, spans[p.chunk_id]))
                                        for p in passages])
        by_sentence = sorted(best, key=lambda cid: -best[cid][0])
        fused = rrf([[p.chunk_id for p in passages], by_sentence], [1.0, self.config.rerank_weight], self.config.rrf_k)
        by_id = {p.chunk_id: p for p in passages}
        ranked = [replace(by_id[cid], rank=rank) for rank, (cid, _) in enumerate(fused)]
        top_best = max((score for score, _ in best.values()), default=0.0) or 1.0
        clause_rank = {cid: rank for rank, cid in enumerate(keyword.by_clause)}
        candidates = []
        for p in ranked:
            row = rows[p.chunk_id]
            features = OrderFeatures(
                rank=-math.log(1 + p.rank),
                dense=p.dense or 0.0,
                clause=-math.log(2 + clause_rank.get(p.chunk_id, UNRANKED)) if keyword.by_clause else 0.0,
                best_sentence=best[p.chunk_id][0] / top_best,
                named_source=float(row["source"] in keyword.named),
                named_day=float((row["date"] or "")[:10] in keyword.days))
            candidates.append(Candidate(p.article_id, row["source"], features, best[p.chunk_id][1]))
        return CandidatePool(ranked, candidates, weights, keyword.named, best_similarity)


@dataclass(frozen=True)
class CandidatePool:
    """`HybridRetriever.pool`: passages in fused, sentence re-ranked order, their `Candidate`s, the question's
    words by rarity, the publishers it names, and the best dense similarity seen."""

    passages: list[Passage]
    candidates: list[Candidate]
    word_weights: dict[str, float]
    named: list[str]
    best_similarity: float


