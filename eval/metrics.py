"""Evaluation metrics as small pure functions (definitions and ALCE differences: eval/README.md).

Retrieval metrics work from *first-found ranks*: for each gold item (a fact or an evidence
sentence) the 1-based rank of the first retrieved chunk that contains it, or None. The rank of
the first relevant chunk is the smallest of them, so Hit@k, MRR@k, MAP@k and evidence recall@k
all follow from that one list.

    >>> ranks = first_found_ranks(["a b", "z"], ["x", "a b c", "y"], multihop_match)
    >>> ranks, hit_at_k(ranks, 1), hit_at_k(ranks, 2), mrr_at_k(ranks, 10)
    ([2, None], False, True, 0.5)
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Callable, Iterable, Sequence

Rank = int | None

# ---------------------------------------------------------------- normalisation

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": " ", "–": " "})
_DIGIT_GROUP = re.compile(r"(?<=\d)[,\u202f\u00a0](?=\d{3}\b)")
_NON_WORD = re.compile(r"[^0-9a-z]+")
STOPWORDS = frozenset(
    "a an the and or but of to in on at by for with from as is are was were be been being it its this that these "
    "those he she they them his her their we our you your i me my has have had do does did not no so if than then "
    "there here what which who whom whose when where why how about also said says say will would can could should "
    "may might must mr ms mrs".split()
)


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form; digit groups joined ("140,000" -> "140000").

    >>> normalise("López said “140,000”!")
    'lopez said 140000'
    """
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _DIGIT_GROUP.sub("", text)
    return _NON_WORD.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    return normalise(text).split()


def content_tokens(text: str) -> set[str]:
    return {t for t in tokens(text) if t not in STOPWORDS}


def contains_phrase(haystack: str, needle: str) -> bool:
    """Whole-word containment after `normalise` ("49" is not found in "1949")."""
    needle = normalise(needle)
    return bool(needle) and f" {needle} " in f" {normalise(haystack)} "


# ---------------------------------------------------------------- matching rules

def multihop_match(fact: str, chunk: str) -> bool:
    """The MultiHop-RAG paper's rule: the fact with all whitespace removed is a substring of the chunk so stripped."""
    return "".join(fact.split()) in "".join(chunk.split())


def evidence_match(evidence: str, chunk: str) -> bool:
    """Our rule for retrieval on our gold sets: the evidence sentence is in the chunk, after `normalise`."""
    return contains_phrase(chunk, evidence)


def supports(quote: str, evidence: str, *, min_overlap: float = 0.6) -> bool:
    """Lexical support between a cited quote and a gold evidence sentence.

    True if one contains the other after `normalise`, or if their content words (stopwords
    removed) overlap by at least `min_overlap` of the shorter one. The overlap rule lets a
    syndicated copy ("Mr. López Obrador has denied…") or a quote cut at a different sentence
    boundary count.

    >>> supports("But Mr. Lopez Obrador has denied fentanyl is made in Mexico.",
    ...          "But López Obrador has denied fentanyl is made in Mexico and has said his nation should not be blamed.")
    True
    """
    q, e = normalise(quote), normalise(evidence)
    if not q or not e:
        return False
    if f" {q} " in f" {e} " or f" {e} " in f" {q} ":
        return True
    cq, ce = content_tokens(quote), content_tokens(evidence)
    shorter = min(len(cq), len(ce))
    return shorter > 0 and len(cq & ce) / shorter >= min_overlap


# ---------------------------------------------------------------- retrieval

def first_found_ranks(golds: Sequence[str], chunks: Sequence[str], match: Callable[[str, str], bool]) -> list[Rank]:
    """For each gold item, the 1-based rank of the first chunk that `match(gold, chunk)` accepts, else None."""
    out: list[Rank] = []
    for gold in golds:
        out.append(next((r for r, chunk in enumerate(chunks, 1) if match(gold, chunk)), None))
    return out


def _first_relevant(ranks: Sequence[Rank]) -> Rank:
    found = [r for r in ranks if r is not None]
    return min(found) if found else None


def hit_at_k(ranks: Sequence[Rank], k: int) -> bool:
    """At least one relevant chunk in the top k."""
    first = _first_relevant(ranks)
    return first is not None and first <= k


def mrr_at_k(ranks: Sequence[Rank], k: int = 10) -> float:
    """1 / rank of the first relevant chunk, 0 if none in the top k."""
    first = _first_relevant(ranks)
    return 1.0 / first if first is not None and first <= k else 0.0


def map_at_k(ranks: Sequence[Rank], k: int = 10) -> float:
    """Sum over ranks r <= k of (gold items first found at r) / r, divided by min(#gold items, k).

    This is the MultiHop-RAG paper's MAP@10 when `ranks` come from `multihop_match`.
    """
    if not ranks:
        return 0.0
    return sum(1.0 / r for r in ranks if r is not None and r <= k) / min(len(ranks), k)


def evidence_recall_at_k(ranks: Sequence[Rank], k: int) -> float:
    """Share of gold items found in the top k chunks."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


# ---------------------------------------------------------------- answers

def key_fact_recall(answer: str, facts: Sequence[str]) -> float:
    """Share of key facts present in the answer (whole words, after `normalise`); 1.0 when there are none.

    >>> key_fact_recall("Mexico processes 140000 asylum applications", ["140,000", "Bárcena"])
    0.5
    """
    if not facts:
        return 1.0
    return sum(contains_phrase(answer, f) for f in facts) / len(facts)


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style token F1 over `tokens` (bag of words, stopwords kept).

    >>> round(token_f1("the cat sat", "the cat"), 3)
    0.8
    """
    p, r = Counter(tokens(prediction)), Counter(tokens(reference))
    common = sum((p & r).values())
    if common == 0:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(r.values())
    return 2 * precision * recall / (precision + recall)


# ---------------------------------------------------------------- citations

def citation_supported(quote: str, evidence: Sequence[str], facts: Sequence[str]) -> bool:
    """A citation supports its answer sentence if its quote `supports` a gold evidence sentence,
    or (lexical check) it contains every key fact of the question on its own."""
    return any(supports(quote, e) for e in evidence) or (bool(facts) and key_fact_recall(quote, facts) == 1.0)


def citation_precision(quotes: Sequence[str], evidence: Sequence[str], facts: Sequence[str]) -> float | None:
    """Share of citations that are supported (`citation_supported`); None when there are no citations."""
    if not quotes:
        return None
    return sum(citation_supported(q, evidence, facts) for q in quotes) / len(quotes)


def citation_recall(quotes: Sequence[str], evidence: Sequence[str]) -> float | None:
    """Share of gold evidence sentences that some citation `supports`; None when there is no evidence."""
    if not evidence:
        return None
    return sum(any(supports(q, e) for q in quotes) for e in evidence) / len(evidence)


# ---------------------------------------------------------------- abstention

def outcome_scores(outcomes: Iterable[tuple[bool, str]]) -> dict[str, float | None]:
    """From (answerable, Answer.kind) pairs, the three-outcome figures of answerable questions: the share
    answered, the share given only the closest passages ("not stated directly"), and the false "not found"
    rate, the one to drive down (None when there is no answerable question).

    >>> outcome_scores([(True, "answered"), (True, "answered"), (True, "not_stated"), (True, "not_found")])
    {'answered_rate': 0.5, 'not_stated_rate': 0.25, 'false_not_found_rate': 0.25}
    """
    kinds = [k for answerable, k in outcomes if answerable]
    return {name: _share(sum(k == kind for k in kinds), len(kinds))
            for name, kind in (("answered_rate", "answered"), ("not_stated_rate", "not_stated"),
                               ("false_not_found_rate", "not_found"))}


def abstention_scores(outcomes: Iterable[tuple[bool, bool]]) -> dict[str, float | None]:
    """From (answerable, abstained) pairs: precision and recall of abstaining on unanswerable
    questions, and the false abstention rate on answerable ones (None when undefined).

    >>> abstention_scores([(False, True), (False, False), (True, True), (True, False)])
    {'abstention_precision': 0.5, 'abstention_recall': 0.5, 'false_abstention_rate': 0.5}
    """
    outcomes = list(outcomes)
    abstained = [a for a in outcomes if a[1]]
    unanswerable = [a for a in outcomes if not a[0]]
    answerable = [a for a in outcomes if a[0]]
    return {
        "abstention_precision": _share(sum(not a for a, _ in abstained), len(abstained)),
        "abstention_recall": _share(sum(ab for _, ab in unanswerable), len(unanswerable)),
        "false_abstention_rate": _share(sum(ab for _, ab in answerable), len(answerable)),
    }


def _share(n: int, d: int) -> float | None:
    return n / d if d else None


# ---------------------------------------------------------------- latency

def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolation percentile (numpy's default), p in [0, 100]; None for no values.

    >>> percentile([10, 20, 30, 40], 50), percentile([10, 20, 30, 40], 95)
    (25.0, 38.5)
    """
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values, None if there are none."""
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None
