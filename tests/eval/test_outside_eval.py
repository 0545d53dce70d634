"""The gold sets written before tuning, end to end: eval/gold/seeds-outside.jsonl on the seeds index and
eval/gold/multihop-new.jsonl on the MultiHop-RAG index (the one tests/eval/test_multihop_eval.py builds).

Each is checked on its *report* half, the half nothing was tuned on (bench/fit_gate.py fits the answerability
gate on the tune halves). The measured tables are printed (pytest -s) and written to the test's tmp folder.
"""

from pathlib import Path

import pytest

from eval.cli import eval_index
from eval.loaders import load_gold
from eval.paths import MULTIHOP_DIR
from rag.settings import Settings
from tests.eval.harness import assert_meets, run_and_keep

GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold"
DATA = MULTIHOP_DIR

# Report halves, measured 2026-12-03 on branch answers (eval/RESULTS.md "Fewer, better citations"), int8 (`rag eval eval/gold/seeds-outside.jsonl`; `rag eval
# eval/gold/multihop-new.jsonl --index .rag/eval/index-multihop`); each bound a little under (or over) the figure.
# The halves are small: 7 and 10 unanswerable items move abstention recall in steps of 0.14 and 0.1.
SEEDS_OUTSIDE = {  # measured: key-fact recall 0.825, citation precision 0.771, false not found 0.025, abst. 0.857
    "key_fact_recall": (0.78, "min"),
    "citation_precision": (0.72, "min"),
    "false_not_found_rate": (0.06, "max"),
    "abstention_recall": (0.70, "min"),
}
# multihop-new re-measured 2026-12-03 with the whole-article pool (eval/RESULTS.md, "whole retrieved articles").
MULTIHOP_NEW = {  # measured: key-fact recall 0.648, citation precision 0.522, false not found 0.011, abst. 0.80
    "key_fact_recall": (0.60, "min"),
    "citation_precision": (0.48, "min"),
    "false_not_found_rate": (0.03, "max"),
    "abstention_recall": (0.70, "min"),
}


def report_half(report):
    return report.by_type["report half"]


@pytest.fixture(scope="module")
def seeds_outside(seeds_index, tmp_path_factory):
    return run_and_keep(load_gold(GOLD / "seeds-outside.jsonl"), seeds_index,
                        tmp_path_factory.mktemp("seeds-outside"), "seeds-outside")


@pytest.fixture(scope="module")
def multihop_new(tmp_path_factory):
    if not (DATA / "corpus.json").is_file():
        pytest.skip(f"MultiHop-RAG data not found at {DATA}")
    settings = eval_index(Settings.load(environ={}), [DATA / "corpus.json"], "multihop")
    return run_and_keep(load_gold(GOLD / "multihop-new.jsonl"), settings, tmp_path_factory.mktemp("multihop-new"),
                        "multihop-new")


@pytest.mark.e2e
@pytest.mark.parametrize("metric", SEEDS_OUTSIDE)
def test_seeds_outside_report_half(seeds_outside, metric):
    assert_meets(seeds_outside, metric, *SEEDS_OUTSIDE[metric], overall=report_half(seeds_outside))


@pytest.mark.e2e
@pytest.mark.parametrize("metric", MULTIHOP_NEW)
def test_multihop_new_report_half(multihop_new, metric):
    assert_meets(multihop_new, metric, *MULTIHOP_NEW[metric], overall=report_half(multihop_new))


# eval/gold/multihop-time.jsonl (time words; written before tuning), report half, measured 2026-12-02 with
# `rag eval eval/gold/multihop-time.jsonl --index .rag/eval/index-multihop` (fp32): key-fact recall 0.412,
# abstention recall 1.0 (3 items: steps of 0.33); "latest" items citing the newest relevant article first 9 of 12.
MULTIHOP_TIME = {
    "key_fact_recall": (0.35, "min"),
    "abstention_recall": (0.6, "min"),
}
NEWEST_FIRST_MIN = 0.6


@pytest.fixture(scope="module")
def multihop_time(tmp_path_factory):
    if not (DATA / "corpus.json").is_file():
        pytest.skip(f"MultiHop-RAG data not found at {DATA}")
    settings = eval_index(Settings.load(environ={}), [DATA / "corpus.json"], "multihop")
    items = load_gold(GOLD / "multihop-time.jsonl")
    return items, run_and_keep(items, settings, tmp_path_factory.mktemp("multihop-time"), "multihop-time")


@pytest.mark.e2e
@pytest.mark.parametrize("metric", MULTIHOP_TIME)
def test_multihop_time_report_half(multihop_time, metric):
    _, report = multihop_time
    assert_meets(report, metric, *MULTIHOP_TIME[metric], overall=report_half(report))


@pytest.mark.e2e
def test_latest_questions_cite_the_newest_relevant_article_first(multihop_time):
    items, report = multihop_time
    newest = {i.id: {e.article for e in i.evidence} for i in items
              if i.half == "report" and (i.notes or "").startswith("latest")}
    first = {r.id: r.citations[0]["title"] if r.citations else None for r in report.results if r.id in newest}
    share = sum(first[i] in newest[i] for i in newest) / len(newest)
    assert share >= NEWEST_FIRST_MIN, {i: first[i] for i in newest if first[i] not in newest[i]}
