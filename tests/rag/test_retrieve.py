"""Fusion, keyword query building and filters (pure parts of rag.retrieve)."""

from datetime import date

from rag.retrieve import chroma_where, content_words, fts_query, rrf, sql_where
from rag.types import Filters


def test_rrf_rewards_agreement_and_respects_weights():
    fused = rrf([["a", "b", "c"], ["c", "b", "d"]], weights=[1.0, 1.0], k=60)
    assert [key for key, _ in fused][:2] == ["b", "c"] or [key for key, _ in fused][0] in {"b", "c"}
    assert {key for key, _ in fused} == {"a", "b", "c", "d"}
    scores = dict(fused)
    assert scores["b"] > scores["a"] and scores["c"] > scores["d"]
    dense_only = dict(rrf([["a"], ["d"]], weights=[1.0, 0.0], k=60))
    assert dense_only["a"] > dense_only["d"] == 0.0


def test_fts_query_folds_names_and_quotes_every_word():
    assert content_words("What did Mr. López Obrador say about fentanyl?") == ["lopez", "obrador", "fentanyl"]
    q = fts_query('What did "López" say about NEAR(fentanyl) OR cartels*?')
    assert q == '"lopez" OR "near" OR "fentanyl" OR "cartels"'
    assert fts_query("what did he say?") is None


def test_filters_translate_to_chroma_and_sql():
    assert chroma_where(None) is None and sql_where(Filters()) == ("", [])
    f = Filters(sources=("The Boston Globe",), date_from=date(2023, 10, 1), date_to=date(2023, 10, 31))
    assert chroma_where(f) == {"$and": [{"source": {"$in": ["The Boston Globe"]}},
                                        {"date_num": {"$gte": 20231001}}, {"date_num": {"$lte": 20231031}}]}
    where, params = sql_where(f)
    assert where.count("?") == 3 and params == ["The Boston Globe", "2023-10-01", "2023-10-31"]
    assert chroma_where(Filters(article_ids=("x",))) == {"article_id": {"$in": ["x"]}}
