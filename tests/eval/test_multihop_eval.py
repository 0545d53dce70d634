"""MultiHop-RAG on a fixed sample, end to end: the whole corpus indexed (real model, real Chroma) the way
`rag eval --multihop` indexes it, then 200 dev queries spread over the file asked through `rag.query()` and
`assistant.retrieve()`, scored by the paper's rule. The same run as

    rag eval --multihop ../shared/data/multihop-rag/ --sample 200

Building the index takes 6-9 minutes of both cores the first time; in a whole run tests/conftest.py builds it in the
background from the start and runs these tests last. Later runs reuse `.rag/eval/index-multihop`.
"""

from pathlib import Path

import pytest

from eval import metrics
from eval.cli import eval_index
from eval.loaders import load_multihop
from eval.paths import MULTIHOP_DIR
from rag.settings import Settings
from tests.eval.harness import assert_meets, run_and_keep

DATA = MULTIHOP_DIR

THRESHOLDS = {  # metric: (bound, "min" or "max")
    # Retrieval, measured on this sample with the committed defaults (fp32): hits@4 0.899, hits@10 0.959, mrr@10
    # 0.753, map@10 0.419; each bound 2-3 points under. Answers (three outcomes) on this sample (2026-12-02, a fresh
    # clone's CI run): null queries not answered 0.935, false "not found" 0.0, key-fact recall 0.189, citation
    # precision 0.380 (whole dev split: 0.953, 0.012, 0.236, 0.449); on 2026-12-03 on branch answers (int8, `rag eval
    # --multihop ../shared/data/multihop-rag/ --sample 200`): 0.968, 0.0, 0.189, 0.403; with the whole-article pool
    # (2026-12-03, eval/RESULTS.md): key-fact recall 0.207, citation precision 0.397. Bounds a little beyond.
    "hit@4": (0.87, "min"),
    "hit@10": (0.94, "min"),
    "mrr@10": (0.72, "min"),
    "map@10": (0.39, "min"),
    "abstention_recall": (0.85, "min"),
    "false_not_found_rate": (0.05, "max"),
    "key_fact_recall": (0.19, "min"),
    "citation_precision": (0.37, "min"),
}


@pytest.fixture(scope="module")
def multihop_report(tmp_path_factory):
    if not (DATA / "corpus.json").is_file():
        pytest.skip(f"MultiHop-RAG data not found at {DATA}")
    data = load_multihop(DATA, sample=200)
    settings = eval_index(Settings.load(environ={}), [DATA / "corpus.json"], "multihop")
    return run_and_keep(data.items, settings, tmp_path_factory.mktemp("multihop-eval"), "multihop-sample",
                        metrics.multihop_match)


@pytest.mark.e2e
@pytest.mark.parametrize("metric", THRESHOLDS)
def test_multihop_sample_metric_meets_threshold(multihop_report, metric):
    assert_meets(multihop_report, metric, *THRESHOLDS[metric])


@pytest.mark.e2e
def test_multihop_sample_covers_every_question_type_without_errors(multihop_report):
    results = multihop_report.results
    assert len(results) == 200 and [r.id for r in results if r.error] == []
    kinds = {r.notes for r in results}
    assert {"comparison_query", "inference_query", "temporal_query", "null_query"} <= kinds
