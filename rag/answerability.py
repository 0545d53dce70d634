"""Does the evidence answer the question? One calibrated score from named signals, and three outcomes.

Evidence selection (`rag.evidence.select`) always offers its best sentences; this gate decides what they are:
*answered* when the probability that they state the answer reaches `GateWeights.threshold`, otherwise *not stated
directly* (they are shown as the closest passages). *Not found* is decided before, in `rag.assistant`, when
nothing in the library is about the question.

The probability is a logistic function of `Signals`, whose fields are the features by name; `GateWeights` has
one weight per field, fitted by `bench/fit_gate.py` (logistic regression on the tune halves of the gold sets and
MultiHop-RAG dev; the threshold chosen on the tune half, reported on the other). Adding a signal is one field in
each class and a re-fit: a weight is matched to its signal by name, never by position.

    >>> from rag.answerability import GateWeights, Signals, probability
    >>> strong = Signals(coverage=0.8, set_coverage=0.8, dense=0.6, dense_cited=0.6, rank_cited=1.0, typed=1.0)
    >>> probability(strong, GateWeights()) > GateWeights().threshold
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Signals:
    """What the answer stage knows about one question's best evidence, each in [0, 1] or a small range."""

    coverage: float = 0.0  # share of the question's rarity-weighted words (stems) the best cited unit holds
    set_coverage: float = 0.0  # share all cited units hold together
    dense: float = 0.0  # the best dense cosine of any retrieved passage to the question
    dense_cited: float = 0.0  # dense cosine of the passage holding the first cited unit (0: dense side missed it)
    rank_cited: float = 0.0  # 1 / (1 + fused rank) of that passage
    typed: float = 0.0  # 1: the question asks for a name, number, date or place and a cited unit gives one
    untyped: float = 0.0  # 1: it asks for one and no cited unit gives one
    speaker: float = 0.0  # 1: the cited units are the words of the person the question names
    claim: float = 0.0  # 1: the quoted claim of a "who said '…'" question was found with its speaker
    several: float = 0.0  # 1: no one sentence holds enough of the question; several do together
    nearest: float = 0.0  # 1: not even several do; these are only the closest sentences
    names_missing: float = 0.0  # share of the names the question gives that the cited articles do not contain
    names_cited: float = 0.0  # share of the names the question gives that the first cited unit itself contains
    predicate: float = 0.0  # share of the question's other content words (not names) the cited units hold
    question_words: float = 0.0  # log(1 + the question's content words): long questions cover less
    semantic: float = 0.0  # cosine of the first cited sentence to the question, when words alone did not answer
    by_meaning: float = 0.0  # 1: the evidence was chosen by that cosine (then `semantic` is set)


@dataclass(frozen=True)
class GateWeights:
    """One weight per `Signals` field, a bias and the threshold on the probability.

    Fitted by `python -m bench.fit_gate` (see its docstring for the data and halves, eval/RESULTS.md for the
    figures each half gave)."""

    coverage: float = 4.0
    set_coverage: float = 1.0
    dense: float = 1.0
    dense_cited: float = 1.0
    rank_cited: float = 0.5
    typed: float = 0.5
    untyped: float = -0.5
    speaker: float = 3.0
    claim: float = 4.0
    several: float = 0.0
    nearest: float = -1.5
    names_missing: float = -2.0
    names_cited: float = 0.5
    predicate: float = 1.0
    question_words: float = -0.3
    semantic: float = 2.0
    by_meaning: float = -1.0
    bias: float = -2.0
    threshold: float = 0.5


SIGNAL_NAMES = tuple(f.name for f in fields(Signals))


def probability(signals: Signals, weights: GateWeights) -> float:
    """The calibrated probability that the cited units state the answer."""
    z = weights.bias + sum(getattr(weights, name) * getattr(signals, name) for name in SIGNAL_NAMES)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def answers(signals: Signals, weights: GateWeights) -> bool:
    return probability(signals, weights) >= weights.threshold
