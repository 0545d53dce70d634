"""Metrics on hand-made cases; the MultiHop-RAG rule on hand-computed queries."""

import pytest

from eval.metrics import (
    abstention_scores, citation_precision, citation_recall, contains_phrase, evidence_match,
    evidence_recall_at_k, first_found_ranks, hit_at_k, key_fact_recall, map_at_k, mean, mrr_at_k,
    multihop_match, normalise, percentile, supports, token_f1,
)

# Three hand-computed MultiHop-RAG queries.
# A: fact 1 first in chunk 2 (whitespace differs), fact 2 first in chunk 3 (chunk 3 repeats fact 1).
#    Hits@1 0, Hits@4 1, MRR 1/2, MAP (1/2 + 1/3) / min(2, 10) = 0.41667
A_FACTS = ["The cat sat on the mat.", "Dogs bark loudly."]
A_CHUNKS = ["nothing here", "Yesterday The cat  sat on\nthe mat. And more", "Dogs bark loudly. The cat sat on the mat."]
# B: the only fact is at rank 11: outside the top 10, so everything is 0.
B_FACTS = ["Alpha beta gamma."]
B_CHUNKS = ["filler"] * 10 + ["Alpha beta gamma."]
# C: three facts, one at rank 1, the others never found (one differs only by case: the rule is case-sensitive).
#    Hits@1 1, MRR 1, MAP 1 / min(3, 10) = 1/3
C_FACTS = ["Found first.", "never retrieved", "THE CASE DIFFERS"]
C_CHUNKS = ["Found first. Then the case differs.", "other"]


def _ranks(facts, chunks):
    return first_found_ranks(facts, chunks, multihop_match)


def test_multihop_rule_per_query():
    a, b, c = _ranks(A_FACTS, A_CHUNKS), _ranks(B_FACTS, B_CHUNKS), _ranks(C_FACTS, C_CHUNKS)
    assert a == [2, 3] and b == [11] and c == [1, None, None]
    assert [hit_at_k(r, 1) for r in (a, b, c)] == [False, False, True]
    assert [hit_at_k(r, 4) for r in (a, b, c)] == [True, False, True]
    assert [hit_at_k(r, 10) for r in (a, b, c)] == [True, False, True]
    assert mrr_at_k(a) == 0.5 and mrr_at_k(b) == 0.0 and mrr_at_k(c) == 1.0
    assert map_at_k(a) == pytest.approx((1 / 2 + 1 / 3) / 2)
    assert map_at_k(b) == 0.0
    assert map_at_k(c) == pytest.approx(1 / 3)


def test_multihop_rule_averages_over_queries():
    runs = [_ranks(A_FACTS, A_CHUNKS), _ranks(B_FACTS, B_CHUNKS), _ranks(C_FACTS, C_CHUNKS)]
    assert mean(hit_at_k(r, 10) for r in runs) == pytest.approx(2 / 3)
    assert mean(mrr_at_k(r) for r in runs) == pytest.approx(0.5)
    assert mean(map_at_k(r) for r in runs) == pytest.approx((5 / 12 + 0 + 1 / 3) / 3)


def test_map_denominator_is_capped_at_k():
    # 12 facts, 2 of them found at rank 1: (1 + 1) / min(12, 10)
    assert map_at_k([1, 1] + [None] * 10, 10) == pytest.approx(0.2)


def test_evidence_recall_and_our_evidence_rule():
    ranks = first_found_ranks(["López Obrador denied it.", "Nowhere."], ["x", "But Lopez Obrador DENIED it, again."],
                              evidence_match)
    assert ranks == [2, None]
    assert evidence_recall_at_k(ranks, 1) == 0.0 and evidence_recall_at_k(ranks, 5) == 0.5


def test_normalise_accents_case_numbers_quotes():
    assert normalise("LÓPEZ “Obrador”") == "lopez obrador"
    assert normalise("140,000") == normalise("140000") == "140000"
    assert normalise("1,954-mile") == "1954 mile"
    assert normalise("3.5") == "3 5"  # decimals keep their digits apart, not joined into 35


def test_key_fact_recall():
    answer = "Mexico was processing 140000 asylum applications a year, said Bárcena."
    assert key_fact_recall(answer, ["140,000"]) == 1.0
    assert key_fact_recall(answer, ["140,000", "barcena", "Venezuela"]) == pytest.approx(2 / 3)
    assert key_fact_recall("aged between 18 and 1949", ["49"]) == 0.0  # whole numbers only
    assert key_fact_recall("anything", []) == 1.0
    assert contains_phrase("Ovidio Guzmán López", "ovidio guzman lopez")


def test_token_f1():
    assert token_f1("Donald Trump", "Donald Trump") == 1.0
    assert token_f1("Trump", "Donald Trump") == pytest.approx(2 / 3)
    assert token_f1("Biden", "Donald Trump") == 0.0


def test_supports_and_citation_scores():
    evidence = ["“His extradition is a powerful symbol of what we can accomplish when we work together,” Garland said after the meeting."]
    good = "His extradition is a powerful symbol of what we can accomplish when we work together"
    off = "Officials from both nations will hold a news conference Thursday afternoon."
    assert supports(good, evidence[0]) and not supports(off, evidence[0])
    assert citation_precision([good, off], evidence, ["powerful symbol"]) == 0.5
    assert citation_precision([], evidence, ["powerful symbol"]) is None
    # the lexical fallback: a citation holding every key fact supports, even if it is not the gold sentence
    assert citation_precision(["Garland called it a powerful symbol."], evidence, ["powerful symbol"]) == 1.0
    assert citation_recall([off], evidence) == 0.0 and citation_recall([good], evidence) == 1.0
    assert citation_recall([good], []) is None


def test_abstention_scores():
    # two unanswerable (one abstained), three answerable (one falsely abstained)
    s = abstention_scores([(False, True), (False, False), (True, True), (True, False), (True, False)])
    assert s == {"abstention_precision": 0.5, "abstention_recall": 0.5, "false_abstention_rate": pytest.approx(1 / 3)}
    assert abstention_scores([(True, False)])["abstention_precision"] is None


def test_percentile_and_mean():
    assert percentile([5.0], 95) == 5.0
    assert percentile(list(range(1, 101)), 50) == pytest.approx(50.5)
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert percentile([], 50) is None
    assert mean([1, None, 3]) == 2 and mean([None]) is None
