"""The gold sets over the seeds are well formed and every evidence sentence is really in its seed.

Generic checks run on both files (seeds.jsonl, the team's; seeds-outside.jsonl, written from the
seeds alone before tuning); the counts and canonical questions are per file.

Seed 002 hard-wraps sentences across lines, so texts are compared whitespace-normalised
(runs of whitespace collapsed to one space); nothing else is normalised.
"""

import re
from collections import Counter
from pathlib import Path

import pytest

from eval.loaders import GOLD_TYPES, load_gold

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "gold" / "seeds.jsonl"
OUTSIDE = ROOT / "eval" / "gold" / "seeds-outside.jsonl"
SEEDS = ROOT / "seeds"


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def items():
    return load_gold(GOLD)


@pytest.fixture(scope="module", params=[GOLD, OUTSIDE], ids=lambda p: p.name)
def any_items(request):
    return load_gold(request.param)


def test_every_evidence_text_is_verbatim_in_its_seed(any_items):
    seeds = {p.name: _ws(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    for item in any_items:
        for ev in item.evidence + item.related:
            assert ev.article in seeds, f"{item.id}: unknown seed {ev.article}"
            assert _ws(ev.text) in seeds[ev.article], f"{item.id}: evidence not verbatim in {ev.article}: {ev.text[:60]}"


def test_ids_unique_and_types_valid(any_items):
    ids = [i.id for i in any_items]
    assert len(ids) == len(set(ids))
    assert {i.type for i in any_items} == set(GOLD_TYPES)


def test_counts_required_by_the_issue(items):
    counts = Counter(i.type for i in items)
    assert len(items) >= 40
    assert counts["unanswerable"] >= 6
    assert sum(1 for i in items if i.history) >= 5
    assert all(not i.answers and not i.evidence for i in items if i.type == "unanswerable")
    # answers spread over two articles
    assert any(len({e.article for e in i.evidence}) >= 2 for i in items if i.type == "multi-article")


def test_canonical_questions_present(items):
    by_q = {i.question: i for i in items}
    assert by_q["How many asylum applications does Mexico process a year?"].answers == ("140,000",)
    assert by_q["What did Justin Trudeau say about dairy tariffs?"].type == "unanswerable"
    assert "What did López Obrador say about fentanyl?" in by_q
    follow = by_q["And what about firearms?"]
    assert "Garland" in follow.history[0]["content"] and "fentanyl" in follow.history[0]["content"]


def test_spelling_variants_present(items):
    questions = [i.question for i in items]
    assert "What did Lopez Obrador say about fentanyl?" in questions
    assert any(q == q.lower() for q in questions)


def test_key_facts_are_in_the_evidence(any_items):
    """An extractive answer quoting the evidence must be able to contain every key fact."""
    from eval.metrics import key_fact_recall

    for item in any_items:
        if item.answerable:
            joined = " ".join(e.text for e in item.evidence)
            assert key_fact_recall(joined, item.answers) == 1.0, item.id


def test_outside_set_counts_and_alternating_halves():
    items = load_gold(OUTSIDE)
    counts = Counter(i.type for i in items)
    assert len(items) >= 60
    assert counts["unanswerable"] >= 12
    assert all(not i.answers and not i.evidence for i in items if i.type == "unanswerable")
    assert sum(1 for i in items if i.history) >= 5
    assert any(len({e.article for e in i.evidence}) >= 2 for i in items if i.type == "multi-article")
    assert [i.id for i in items] == [f"out-{n:03d}" for n in range(1, len(items) + 1)]
    assert [i.half for i in items] == ["tune" if n % 2 else "report" for n in range(1, len(items) + 1)]
    # both halves hold every type, so a threshold tuned on one can be reported on the other
    for half in ("tune", "report"):
        assert {i.type for i in items if i.half == half} == set(GOLD_TYPES), half
