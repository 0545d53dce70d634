"""The paper-settings BM25 baseline on a tiny hand-made MultiHop-RAG folder (real llama-index, no model)."""

import json

from eval.baselines import needed_articles, run
from eval.loaders import load_multihop


def _folder(tmp_path):
    corpus = [
        {"title": "Rates", "source": "A", "published_at": "2023-10-01", "body": "The central bank raised interest rates by half a point on Tuesday. Markets fell."},
        {"title": "Football", "source": "B", "published_at": "2023-10-02", "body": "The home team won the cup final after extra time. Fans celebrated."},
        {"title": "Weather", "source": "C", "published_at": "2023-10-03", "body": "Heavy rain flooded the valley roads overnight."},
    ]
    queries = [
        {"query": "Which bank raised interest rates?", "answer": "central bank", "question_type": "inference_query",
         "evidence_list": [{"title": "Rates", "fact": "The central bank raised interest rates by half a point on Tuesday."}]},
        {"query": "Who won the cup final?", "answer": "home team", "question_type": "inference_query",
         "evidence_list": [{"title": "Football", "fact": "The home team won the cup final after extra time."}]},
        {"query": "Unknown?", "answer": "Insufficient information.", "question_type": "null_query", "evidence_list": []},
    ]
    (tmp_path / "corpus.json").write_text(json.dumps(corpus))
    (tmp_path / "queries-dev.json").write_text(json.dumps(queries))
    return tmp_path


def test_bm25_baseline_finds_the_facts_and_skips_null_queries(tmp_path):
    scores = run(_folder(tmp_path), "bm25")
    assert scores.queries == 2 and scores.chunks == 3
    assert scores.hits_at_10 == 1.0 and scores.mrr_at_10 == 1.0 and scores.map_at_10 == 1.0


def test_needed_articles_adds_distractors(tmp_path):
    data = load_multihop(_folder(tmp_path), limit=1)
    assert [a.title for a in needed_articles(data, 1)] == ["Rates", "Football"]
