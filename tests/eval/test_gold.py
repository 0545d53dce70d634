"""The gold sets are well formed and every evidence sentence is really in its source.

Three sets: `eval/gold/seeds.jsonl` (the team's, evidence in the five seeds), `eval/gold/seeds-outside.jsonl`
(written from the seeds alone, before tuning) and `eval/gold/multihop-new.jsonl` (evidence in MultiHop-RAG corpus
articles, named by title). Seed 002 hard-wraps sentences across lines and corpus bodies
carry odd spacing, so texts are compared whitespace-normalised (runs of whitespace collapsed to one space);
nothing else is normalised.
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from eval.loaders import GOLD_HALVES, GOLD_TYPES, load_gold
from eval.metrics import key_fact_recall
from eval.paths import MULTIHOP_DIR

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "gold" / "seeds.jsonl"
OUTSIDE = ROOT / "eval" / "gold" / "seeds-outside.jsonl"
NEW_GOLD = ROOT / "eval" / "gold" / "multihop-new.jsonl"
TIME_GOLD = ROOT / "eval" / "gold" / "multihop-time.jsonl"
SEEDS = ROOT / "seeds"
MULTIHOP = MULTIHOP_DIR


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _assert_verbatim(items, sources: dict[str, str]) -> None:
    """Every evidence and related text is in the (whitespace-normalised) source named by its `article`."""
    for item in items:
        for ev in item.evidence + item.related:
            assert ev.article in sources, f"{item.id}: unknown article {ev.article!r}"
            assert _ws(ev.text) in sources[ev.article], f"{item.id}: evidence not verbatim in {ev.article}: {ev.text[:60]}"


@pytest.fixture(scope="module")
def items():
    return load_gold(GOLD)


@pytest.fixture(scope="module")
def new_items():
    return load_gold(NEW_GOLD)


@pytest.fixture(scope="module", params=[GOLD, OUTSIDE, NEW_GOLD, TIME_GOLD],
                ids=["seeds", "seeds-outside", "multihop-new", "multihop-time"])
def any_items(request):
    return load_gold(request.param)


@pytest.mark.parametrize("gold", [GOLD, OUTSIDE], ids=["seeds", "seeds-outside"])
def test_every_evidence_text_is_verbatim_in_its_seed(gold):
    _assert_verbatim(load_gold(gold), {p.name: _ws(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")})


@pytest.mark.parametrize("gold", [NEW_GOLD, TIME_GOLD], ids=["multihop-new", "multihop-time"])
def test_every_evidence_text_is_verbatim_in_its_corpus_article(gold):
    corpus_file = MULTIHOP / "corpus.json"
    if not corpus_file.is_file():
        pytest.skip(f"MultiHop-RAG corpus not found at {corpus_file}: {gold.name} evidence not checked")
    corpus = json.loads(corpus_file.read_text(encoding="utf-8"))
    items = load_gold(gold)
    titles = Counter(a["title"] for a in corpus)
    cited = {ev.article for item in items for ev in item.evidence + item.related}
    assert all(titles[t] == 1 for t in cited), "an evidence title names several corpus articles"
    _assert_verbatim(items, {a["title"]: _ws(a["body"]) for a in corpus})


def test_time_set_latest_items_cite_the_newest_relevant_article():
    """multihop-time.jsonl: each "latest" item's evidence is from an article published on the day its notes give
    as the newest, later than the next-newest relevant one; both halves hold every kind of item."""
    corpus_file = MULTIHOP / "corpus.json"
    if not corpus_file.is_file():
        pytest.skip(f"MultiHop-RAG corpus not found at {corpus_file}")
    published = {a["title"]: a["published_at"][:10] for a in json.loads(corpus_file.read_text(encoding="utf-8"))}
    items = load_gold(TIME_GOLD)
    latest = [i for i in items if (i.notes or "").startswith("latest")]
    assert len(latest) >= 20 and sum(1 for i in items if i.type == "unanswerable") >= 5
    for item in latest:
        newest, following = re.search(r"newest (\d{4}-\d\d-\d\d).*next (\d{4}-\d\d-\d\d)", item.notes).groups()
        assert {published[e.article] for e in item.evidence} == {newest} and newest > following, item.id
    for kind in ("latest", "period", "time near-miss"):
        assert {i.half for i in items if (i.notes or "").startswith(kind)} == set(GOLD_HALVES), kind


def test_ids_unique_and_types_valid(any_items):
    ids = [i.id for i in any_items]
    assert len(ids) == len(set(ids))
    assert {i.type for i in any_items} <= set(GOLD_TYPES)


def test_key_facts_are_in_the_evidence(any_items):
    """An extractive answer quoting the evidence must be able to contain every key fact."""
    for item in any_items:
        if item.answerable:
            joined = " ".join(e.text for e in item.evidence)
            assert key_fact_recall(joined, item.answers) == 1.0, item.id


def test_seeds_set_is_large_enough_to_measure_by(items):
    """seeds.jsonl: at least 40 questions, 6 unanswerable ones (no answers, no evidence), 5 follow-ups, and a
    multi-article question whose evidence spans two articles."""
    counts = Counter(i.type for i in items)
    assert len(items) >= 40
    assert counts["unanswerable"] >= 6
    assert sum(1 for i in items if i.history) >= 5
    assert all(not i.answers and not i.evidence for i in items if i.type == "unanswerable")
    # answers spread over two articles
    assert any(len({e.article for e in i.evidence}) >= 2 for i in items if i.type == "multi-article")


def test_new_set_is_large_enough_to_measure_by(new_items):
    """multihop-new.jsonl: at least 80 questions over at least 40 articles, at least 15 unanswerable near-misses."""
    counts = Counter(i.type for i in new_items)
    assert len(new_items) >= 80
    assert len({e.article for i in new_items for e in i.evidence}) >= 40
    assert counts["unanswerable"] >= 15
    assert all(not i.answers and not i.evidence for i in new_items if i.type == "unanswerable")
    assert any(len({e.article for e in i.evidence}) >= 2 for i in new_items if i.type == "multi-article")
    assert sum(1 for i in new_items if (i.notes or "").startswith("paraphrase")) >= 25


def test_new_set_halves_split_by_article(new_items):
    """Both halves are used, and all questions citing one article sit in the same half (no leak across them)."""
    assert {i.half for i in new_items} == set(GOLD_HALVES)
    halves_of = {}
    for item in new_items:
        for ev in item.evidence:
            halves_of.setdefault(ev.article, set()).add(item.half)
    assert all(len(h) == 1 for h in halves_of.values()), [a for a, h in halves_of.items() if len(h) > 1]
    assert all(Counter(i.half for i in new_items if i.type == t).keys() == set(GOLD_HALVES) for t in GOLD_TYPES)


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
