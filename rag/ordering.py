"""How the fused passages are placed: each scored by its best sentence (`best_sentences`), then placed greedily so
that each fact of a multi-part question comes early (`coverage_order`, with weights learned by `bench/tune_order.py`).

    >>> features = OrderFeatures(rank=0.0, dense=0.9, clause=0.0, best_sentence=1.0, named_source=0.0, named_day=0.0)
    >>> a = Candidate("art1", None, features, frozenset({"fentanyl"}))
    >>> coverage_order([a, a], {"fentanyl": 1.0}, OrderWeights())
    [0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Sequence

from rag.text import content_words, porter_stems


# A sentence of this many characters scores half of what a very short one holding the same words does. Brought in
# with the best-sentence re-ranking (MultiHop-RAG dev MRR@10 0.660 -> 0.707, MAP@10 0.351 -> 0.379); the scale
# itself was not swept.
LENGTH_SCALE = 500


@dataclass(frozen=True)
class OrderFeatures:
    """What `coverage_order` weighs of one passage by itself: a passage's values (`Candidate.features`), or the
    weight of each (`OrderWeights.features`). A new feature is a field here, its weight in `OrderWeights`
    and its value where `rag.retrieve` builds candidates; both must name every field.

        >>> OrderFeatures(rank=1.0, dense=0.5, clause=0.0, best_sentence=0.0, named_source=0.0, named_day=0.0).dot(
        ...     OrderFeatures(rank=0.25, dense=1.2, clause=0.3, best_sentence=2.9, named_source=2.5, named_day=1.75))
        0.85
    """

    rank: float  # -log(1 + its place in the fused, sentence re-ranked order)
    dense: float  # cosine similarity to the question (0 when the dense side did not find it)
    clause: float  # -log(2 + its place in the report clauses' own BM25 round robin), multi-report questions
    best_sentence: float  # its best sentence's score over the best of all passages
    named_source: float  # 1 when it comes from a publisher the question names
    named_day: float  # 1 when it was published on a day the question names

    def dot(self, other: OrderFeatures) -> float:
        """The sum of the products of the same features: a passage's linear score under weights `other`."""
        return sum(getattr(self, name) * getattr(other, name) for name in FEATURES)


FEATURES = tuple(f.name for f in fields(OrderFeatures))


@dataclass(frozen=True)
class OrderWeights:
    """Weights of `coverage_order`, learned on MultiHop-RAG dev (`bench/tune_order.py`): of a passage's own
    features, and of what the passages already placed above it cover."""

    features: OrderFeatures = OrderFeatures(rank=0.25, dense=1.2, clause=0.3, best_sentence=2.9, named_source=2.5,
                                            named_day=1.75)
    same_article: float = 0.35  # per passage of its article already placed
    same_source: float = 0.9  # the question names publishers, and its publisher already has a passage placed
    new_words: float = 3.45  # share of the question's (rarity-weighted) words its best sentence adds


@lru_cache(maxsize=8192)
def sentence_stems(chunk_id: str, text: str, spans: tuple[tuple[int, int], ...]) -> tuple[tuple[frozenset, int], ...]:
    """(porter stems, length in characters) of each sentence of a chunk; cached, as chunks recur across questions."""
    return tuple((frozenset(porter_stems(content_words(text[a:b]))), b - a) for a, b in spans)


def best_sentences(weights: dict[str, float], chunks: Sequence[tuple[str, Sequence[tuple[frozenset, int]]]]
                   ) -> dict[str, tuple[float, frozenset]]:
    """Each chunk's best sentence: its score (the rarity-weighted question words it holds, a little less for a long
    sentence) and the question words it holds.

    BM25 and the embedding score a chunk as a whole; a multi-part question then prefers a chunk that touches
    many of its parts loosely over the one sentence that answers one part. On MultiHop-RAG dev, when the top
    passage came from an evidence article but missed the evidence, the evidence chunk ranked below it by BM25
    in 87% of those questions.

        >>> best = best_sentences({"fentanyl": 2.0, "mexico": 1.0}, [
        ...     ("a", [(frozenset({"mexico"}), 80)]), ("b", [(frozenset({"fentanyl", "mexico", "cartel"}), 90)])])
        >>> sorted(best, key=lambda cid: -best[cid][0]), sorted(best["b"][1])
        (['b', 'a'], ['fentanyl', 'mexico'])
    """
    terms = weights.keys()
    out = {}
    for cid, sentences in chunks:
        score, words = 0.0, frozenset()
        for stems, length in sentences:
            held = terms & stems
            value = sum(weights[t] for t in held) / (1 + length / LENGTH_SCALE)
            if value > score:
                score, words = value, frozenset(held)
        out[cid] = (score, words)
    return out


@dataclass(frozen=True)
class Candidate:
    """What `coverage_order` knows of one passage: its features, and the question words its best sentence holds."""

    article_id: str
    source: str | None
    features: OrderFeatures
    words: frozenset


def coverage_order(candidates: Sequence[Candidate], word_weights: dict[str, float], weights: OrderWeights,
                   named: Sequence[str] = ()) -> list[int]:
    """Indexes of `candidates`, greedily: each time the passage whose features, less what is already covered
    (its article, its publisher when the question names some) plus the question words it adds, score highest.

    A multi-hop question needs one passage per fact; MAP@10 rewards finding each early. A plain ranking
    places a second passage of the first fact's article before the first passage of the next fact.
    MultiHop-RAG dev, each half's weights checked on the other half: MAP@10 0.377/0.379 -> 0.398/0.399.

        >>> def seen(rank, dense, best):
        ...     return OrderFeatures(rank, dense, clause=0.0, best_sentence=best, named_source=0.0, named_day=0.0)
        >>> a = Candidate("art1", None, seen(0.0, 0.9, 1.0), frozenset({"fentanyl"}))
        >>> coverage_order([a, a, Candidate("art2", None, seen(-1.0, 0.8, 0.9), frozenset({"border"}))],
        ...                {"fentanyl": 1.0, "border": 1.0}, OrderWeights())
        [0, 2, 1]
    """
    base = [weights.features.dot(c.features) for c in candidates]
    total = sum(word_weights.values()) or 1.0
    placed: list[int] = []
    per_article: dict[str, int] = {}
    sources: set[str | None] = set()
    covered: set[str] = set()
    left = list(range(len(candidates)))
    while left:
        def value(i: int) -> float:
            c = candidates[i]
            return (base[i] - weights.same_article * per_article.get(c.article_id, 0)
                    - weights.same_source * (bool(named) and c.source in sources)
                    + weights.new_words * sum(word_weights[t] for t in c.words - covered) / total)
        pick = max(left, key=value)  # first of equals: the fused order breaks ties
        left.remove(pick)
        placed.append(pick)
        chosen = candidates[pick]
        per_article[chosen.article_id] = per_article.get(chosen.article_id, 0) + 1
        sources.add(chosen.source)
        covered |= chosen.words
    return placed
