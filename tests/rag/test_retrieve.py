"""Fusion, keyword query building, filters, report clauses and ordering: the pure parts of retrieval."""

from datetime import date

import pytest

from rag.filters import chroma_where, sql_where
from rag.fusion import round_robin, rrf
from rag.ordering import Candidate, OrderFeatures, OrderWeights, best_sentences, coverage_order
from rag.report_clauses import report_clauses
from rag.retrieve import HybridRetriever, RetrievalConfig
from rag.store import fts_query
from rag.text import content_words, porter_stems
from rag.types import Filters


def test_rrf_rewards_agreement_and_respects_weights():
    fused = rrf([["a", "b", "c"], ["c", "b", "d"]], weights=[1.0, 1.0], k=60)
    # c (ranks 3 and 1) edges out b (2 and 2): 1/63 + 1/61 > 2/62; both beat a (1 and absent) and d.
    assert [key for key, _ in fused] == ["c", "b", "a", "d"]
    assert [score for _, score in fused] == pytest.approx([1 / 63 + 1 / 61, 2 / 62, 1 / 61, 1 / 63])
    # Weighting the first ranking twice puts its order first: b (2/62 + 1/62) over c (2/63 + 1/61) and a.
    weighted = rrf([["a", "b", "c"], ["c", "b", "d"]], weights=[2.0, 1.0], k=60)
    assert [key for key, _ in weighted] == ["b", "c", "a", "d"]
    dense_only = dict(rrf([["a"], ["d"]], weights=[1.0, 0.0], k=60))
    assert dense_only == {"a": pytest.approx(1 / 61), "d": 0.0}


def test_fts_query_folds_names_and_quotes_every_word():
    assert content_words("What did Mr. López Obrador say about fentanyl?") == ["lopez", "obrador", "fentanyl"]
    q = fts_query(content_words('What did "López" say about NEAR(fentanyl) OR cartels*?'))
    assert q == '"lopez" OR "near" OR "fentanyl" OR "cartels"'
    assert fts_query(content_words("what did he say?")) is None


def test_porter_stems_are_the_keys_of_fts5s_vocabulary():
    import sqlite3

    words = content_words("Officials traveled generously, running cartels' fentanyl labs")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO t VALUES (?)", (" ".join(words),))
    db.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, t, 'row')")
    assert sorted(porter_stems(words)) == [r[0] for r in db.execute("SELECT term FROM temp.v ORDER BY term")]


def test_keyword_terms_leave_out_words_too_common_to_rank_by(tmp_path):
    from rag.store import Library

    library = Library(tmp_path, create=True)
    db = library.connect()
    db.execute("INSERT INTO articles(id, source_key, title, hash, text, added_at) VALUES ('a', 'a', 't', 'h', 'x', 0)")
    for i in range(40):  # "mexico", "border" and "talks" are in every chunk; "fentanyl", "cartels", "labs" in one each
        text = "Mexico border talks " + {0: "fentanyl", 1: "cartels", 2: "labs"}.get(i, "")
        db.execute("INSERT INTO chunks(rowid, id, article_id, idx, start, end, text) VALUES (?, ?, 'a', ?, 0, 1, ?)",
                   (i + 1, f"c{i}", i, text))
        db.execute("INSERT INTO chunks_fts(rowid, text, title, source) VALUES (?, ?, '', '')", (i + 1, text))
    retriever = HybridRetriever(None, library, RetrievalConfig(max_postings=50))
    assert retriever.keyword_terms("Mexico fentanyl cartels labs: border talks?") == ["mexico", "fentanyl", "cartels", "labs"]
    retriever = HybridRetriever(None, library, RetrievalConfig(max_postings=20))
    assert retriever.keyword_terms("Mexico fentanyl cartels labs: border talks?") == ["fentanyl", "cartels", "labs"]
    # Within budget or not, the three rarest stay, in the question's order.
    assert retriever.keyword_terms("Mexico fentanyl cartels border talks?") == ["mexico", "fentanyl", "cartels"]
    assert retriever.keyword_terms("Mexico talks?") == ["mexico", "talks"]  # short questions keep every word


def test_filters_translate_to_chroma_and_sql():
    assert chroma_where(None) is None and sql_where(Filters()) == ("", [])
    f = Filters(sources=("The Boston Globe",), date_from=date(2023, 10, 1), date_to=date(2023, 10, 31))
    assert chroma_where(f) == {"$and": [{"source": {"$in": ["The Boston Globe"]}},
                                        {"date_num": {"$gte": 20231001}}, {"date_num": {"$lte": 20231031}}]}
    where, params = sql_where(f)
    assert where.count("?") == 3 and params == ["The Boston Globe", "2023-10-01", "2023-10-31"]
    assert chroma_where(Filters(article_ids=("x",))) == {"article_id": {"$in": ["x"]}}
    # An end date alone still leaves undated articles (date_num 0) out, as SQL's NULL comparison does.
    assert chroma_where(Filters(date_to=date(2020, 1, 1))) == {"$and": [{"date_num": {"$gt": 0}},
                                                                        {"date_num": {"$lte": 20200101}}]}


def test_report_clauses_give_each_publisher_the_words_around_its_mention():
    q = ("Which firm was sued by regulators, according to 'Fortune', and fined in Europe, "
         "as reported by 'The Age'?")
    clauses = {c.source: c.text for c in report_clauses(q, ["Fortune", "The Age"])}
    assert "sued by regulators" in clauses["Fortune"] and "fined in europe" in clauses["The Age"]
    assert "fortune" not in clauses["Fortune"] and "the age" not in clauses["The Age"]
    # Mentions are found accent- and case-insensitively; an unnamed publisher gets no clause.
    assert [c.source for c in report_clauses("what did le monde and fortune say?", ["Le Mónde", "Fortune", "Wired"])] == [
        "Le Mónde", "Fortune"]


def test_report_clauses_split_one_publishers_reports_by_day():
    q = ("After the TechCrunch report on October 7, 2023, about Flexport's CEO, and the TechCrunch article on "
         "October 30th, about its layoffs, did the coverage change?")
    first, second = report_clauses(q, ["TechCrunch"])
    assert (first.source, first.day, second.source, second.day) == (
        "TechCrunch", date(2023, 10, 7), "TechCrunch", date(2023, 10, 30))  # the year carries over
    assert "flexport's ceo" in first.text and "layoffs" in second.text and "october" not in first.text
    # A day alone is a report too; a day with no year anywhere, or no such day, is not read.
    assert [(c.source, c.day) for c in report_clauses("What happened on May 3, 2024?", [])] == [(None, date(2024, 5, 3))]
    assert [c.day for c in report_clauses("What happened on May 3 or February 30, 2024?", [])] == [date(2024, 5, 3)]
    assert report_clauses("What may happen in May?", []) == []


def test_best_sentences_prefer_one_answering_sentence_to_scattered_matches():
    weights = {"fentanyl": 3.0, "made": 1.0, "mexico": 1.0, "border": 1.0}
    scattered = ("scattered", [(frozenset({"mexico"}), 100), (frozenset({"border"}), 100), (frozenset({"made"}), 100)])
    answering = ("answering", [(frozenset({"fentanyl", "made", "mexico", "labs"}), 120)])
    best = best_sentences(weights, [scattered, answering])
    assert best["answering"][0] > best["scattered"][0]
    assert best["answering"][1] == {"fentanyl", "made", "mexico"}  # question words only
    # Equal words: the shorter sentence wins.
    best = best_sentences(weights, [("long", [(frozenset({"fentanyl"}), 900)]), ("short", [(frozenset({"fentanyl"}), 90)])])
    assert best["short"][0] > best["long"][0]
    assert best_sentences(weights, [("empty", [])]) == {"empty": (0.0, frozenset())}


def _candidate(article, source=None, rank=0, words=()):
    features = OrderFeatures(rank=-float(rank), dense=0.5, clause=0.0, best_sentence=0.5, named_source=0.0, named_day=0.0)
    return Candidate(article, source, features, frozenset(words))


def test_coverage_order_places_a_new_fact_before_more_of_the_same():
    words = {"fentanyl": 1.0, "border": 1.0}
    first = _candidate("a", rank=0, words={"fentanyl"})
    same = _candidate("a", rank=0.1, words={"fentanyl"})
    other = _candidate("b", rank=0.6, words={"border"})
    assert coverage_order([first, same, other], words, OrderWeights()) == [0, 2, 1]
    # With nothing learned about coverage, the features alone decide.
    flat = OrderWeights(same_article=0.0, same_source=0.0, new_words=0.0)
    assert coverage_order([first, same, other], words, flat) == [0, 1, 2]


def test_coverage_order_spreads_named_publishers():
    words = {"price": 1.0}
    one = _candidate("a", source="Fortune", rank=0, words={"price"})
    two = _candidate("b", source="Fortune", rank=0.1, words={"price"})
    three = _candidate("c", source="The Age", rank=0.3, words={"price"})
    weights = OrderWeights(same_article=0.0, new_words=0.0)
    assert coverage_order([one, two, three], words, weights, named=["Fortune", "The Age"]) == [0, 2, 1]
    assert coverage_order([one, two, three], words, weights) == [0, 1, 2]


def test_round_robin_alternates_rankings_without_repeats():
    assert round_robin([["a", "b", "c"], ["b", "d"]]) == ["a", "b", "d", "c"]
    assert round_robin([]) == []


def test_keyword_search_narrowed_to_a_publisher(tmp_path):
    from rag.store import Library

    library = Library(tmp_path, create=True)
    db = library.connect()
    sources = {"a": "Fortune", "b": 'The "Age"', "c": "Fortune Daily"}
    for n, (aid, source) in enumerate(sources.items()):
        db.execute("INSERT INTO articles(id, source_key, title, hash, text, added_at, source) VALUES (?, ?, 't', ?, 'x', 0, ?)",
                   (aid, aid, aid, source))
        text = "Regulators fined the bank"
        db.execute("INSERT INTO chunks(rowid, id, article_id, idx, start, end, text) VALUES (?, ?, ?, 0, 0, 1, ?)",
                   (n + 1, f"{aid}:0", aid, text))
        db.execute("INSERT INTO chunks_fts(rowid, text, title, source) VALUES (?, ?, '', ?)", (n + 1, text, source))
    retriever = HybridRetriever(None, library, RetrievalConfig())
    assert sorted(retriever.keyword("regulators fined", None)) == ["a:0", "b:0", "c:0"]
    assert retriever.keyword("regulators fined", Filters(sources=("Fortune",))) == ["a:0"]  # not "Fortune Daily"
    assert retriever.keyword("regulators fined", Filters(sources=('The "Age"',))) == ["b:0"]


def test_a_date_range_that_keeps_undated_articles():
    f = Filters(sources=("Reuters",), date_from=date(2023, 10, 1), date_to=date(2023, 10, 31), undated=True)
    assert sql_where(f) == (" AND a.source IN (?) AND (a.date IS NULL OR a.date = '' OR (a.date >= ? AND a.date <= ?))",
                            ["Reuters", "2023-10-01", "2023-10-31"])
    assert chroma_where(f) == {"$and": [{"source": {"$in": ["Reuters"]}}, {"$or": [
        {"date_num": 0}, {"$and": [{"date_num": {"$gte": 20231001}}, {"date_num": {"$lte": 20231031}}]}]}]}
    assert chroma_where(Filters(date_to=date(2023, 10, 31))) == {"$and": [{"date_num": {"$gt": 0}},
                                                                          {"date_num": {"$lte": 20231031}}]}
