"""The seeds gold set, end to end: real model, real Chroma, `rag.query()` and `assistant.retrieve()`.

Each threshold sits a little under what `rag eval eval/gold/seeds.jsonl` measures (eval/RESULTS.md), so a change
that costs a question fails here. The measured table is printed (pytest -s) and written to the test's tmp folder.
"""

from pathlib import Path

import pytest

from eval.loaders import load_gold
from tests.eval.harness import assert_meets, run_and_keep

GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold" / "seeds.jsonl"

THRESHOLDS = {  # metric: (minimum, or maximum when the second value is "max")
    # Measured on the seeds (2026-12-02, `rag eval eval/gold/seeds.jsonl`, the int8 default): hit@5 0.939,
    # key-fact recall 0.963, citation precision 0.917, abstention recall 1.0, answered 0.959 of the answerable, no
    # false "not found". fp32 (RAG_BACKEND=torch) measures the same but hit@5 0.959: with int8 one question's
    # evidence ranks 6th instead of 5th, so hit@5's bound is 0.93 (46 of 49), the others unchanged.
    "hit@5": (0.93, "min"),
    "key_fact_recall": (0.95, "min"),
    "citation_precision": (0.90, "min"),
    "abstention_recall": (0.95, "min"),
    "answered_rate": (0.90, "min"),
    "false_not_found_rate": (0.03, "max"),
}


@pytest.fixture(scope="module")
def seeds_report(seeds_index, tmp_path_factory):
    return run_and_keep(load_gold(GOLD), seeds_index, tmp_path_factory.mktemp("seeds-eval"), "seeds")


@pytest.mark.e2e
@pytest.mark.parametrize("metric", THRESHOLDS)
def test_seeds_metric_meets_threshold(seeds_report, metric):
    assert_meets(seeds_report, metric, *THRESHOLDS[metric])


@pytest.mark.e2e
def test_every_question_got_an_answer_without_error(seeds_report):
    assert len(seeds_report.results) == len(load_gold(GOLD))
    assert [r.id for r in seeds_report.results if r.error] == []
    assert seeds_report.overall["latency_p95_ms"] is not None
