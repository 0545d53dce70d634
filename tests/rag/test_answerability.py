"""The answerability gate: one calibrated probability from named signals."""

from dataclasses import fields

from rag.answerability import SIGNAL_NAMES, GateWeights, Signals, answers, probability


def test_every_signal_has_a_weight_by_name():
    weights = {f.name for f in fields(GateWeights)}
    assert set(SIGNAL_NAMES) <= weights and weights - set(SIGNAL_NAMES) == {"bias", "threshold"}


def test_probability_is_a_logistic_of_the_named_signals():
    w = GateWeights(**{n: 0.0 for n in SIGNAL_NAMES}, bias=0.0, threshold=0.5)
    assert probability(Signals(), w) == 0.5
    w = GateWeights(**{**{n: 0.0 for n in SIGNAL_NAMES}, "coverage": 2.0}, bias=-1.0, threshold=0.5)
    assert round(probability(Signals(coverage=1.0), w), 4) == round(1 / (1 + 2.718281828 ** -1), 4)
    assert answers(Signals(coverage=1.0), w) and not answers(Signals(coverage=0.2), w)


def test_the_fitted_gate_prefers_covered_typed_evidence_to_the_nearest_sentences():
    strong = Signals(coverage=0.9, set_coverage=0.9, dense=0.6, dense_cited=0.6, rank_cited=1.0, typed=1.0,
                     names_cited=1.0, predicate=1.0, question_words=1.6)
    weak = Signals(coverage=0.2, set_coverage=0.3, dense=0.3, dense_cited=0.2, rank_cited=0.2, untyped=1.0,
                   nearest=1.0, names_missing=1.0, predicate=0.0, question_words=1.6)
    assert probability(strong, GateWeights()) > GateWeights().threshold > probability(weak, GateWeights())
