"""Scoring, aggregation, reports and compare on hand-made answers (no model needed)."""

import json

from PIL import Image

from eval.loaders import Evidence, GoldItem, load_multihop
from eval.runner import EvalReport, QuestionResult, compare, score_question
from rag.types import Answer, Citation

EVIDENCE = "She appealed for help, saying that Mexico was processing 140,000 asylum applications a year."
ITEM = GoldItem("n1", "How many asylum applications does Mexico process a year?", ("140,000",),
                (Evidence("001.txt", EVIDENCE),), "numeric")
NONE_ITEM = GoldItem("u1", "What did Trudeau say about dairy?", (), (), "unanswerable")


def _cite(n, quote):
    return Citation(n, "a1", "t", "AFP", None, quote, quote, 0, len(quote), 0.5)


def _result(item, answer, passages):
    scores, ranks = score_question(item, answer, passages)
    return QuestionResult(item.id, item.type, item.question, item.answerable, answer.text, answer.abstained, None,
                          None, 100.0, [], [], ranks, scores, list(item.answers))


def test_score_answerable_question():
    answer = Answer(ITEM.question, "Mexico was processing 140000 asylum applications a year [1].",
                    (_cite(1, EVIDENCE), _cite(2, "Blinken will travel to Mexico City.")))
    scores, ranks = score_question(ITEM, answer, ["other passage", "Intro. " + EVIDENCE + " More."])
    assert ranks == [2]
    assert scores["hit@1"] == 0.0 and scores["hit@5"] == 1.0 and scores["mrr@10"] == 0.5
    assert scores["key_fact_recall"] == 1.0
    assert scores["citation_precision"] == 0.5 and scores["citation_recall"] == 1.0


def test_false_abstention_scores_zero_and_unanswerable_has_no_answer_metrics():
    scores, _ = score_question(ITEM, Answer(ITEM.question, "Not found.", abstained=True), [EVIDENCE])
    assert scores["key_fact_recall"] == 0.0 and scores["citation_precision"] is None and scores["hit@1"] == 1.0
    scores, ranks = score_question(NONE_ITEM, Answer(NONE_ITEM.question, "Not found.", abstained=True), ["x"])
    assert ranks == [] and all(v is None for v in scores.values())


def test_report_aggregates_by_type_writes_files_and_compares(tmp_path):
    good = _result(ITEM, Answer(ITEM.question, "140,000 [1]", (_cite(1, EVIDENCE),)), [EVIDENCE])
    abstained = _result(NONE_ITEM, Answer(NONE_ITEM.question, "Not found.", abstained=True), ["x"])
    report = EvalReport("t", {}, [good, abstained])
    assert report.overall["n"] == 2 and report.overall["hit@5"] == 1.0
    assert report.overall["abstention_recall"] == 1.0 and report.overall["false_abstention_rate"] == 0.0
    assert set(report.by_type) == {"numeric", "unanswerable"}
    assert "| key_fact_recall | 1.000 |" in report.table()
    out = report.write(tmp_path / "a")
    assert Image.open(out / "by_type.png").size[0] >= 480
    a = json.loads((out / "report.json").read_text())
    assert a["results"][0]["answer"] == "140,000 [1]"

    answered = _result(NONE_ITEM, Answer(NONE_ITEM.question, "Trudeau said [1]", (_cite(1, "x"),)), ["x"])
    b = EvalReport("t", {}, [good, answered]).to_dict()
    diff = compare(a, b)
    assert "| abstention_recall | 1.000 | 0.000 | -1.000 |" in diff
    assert "1 questions changed" in diff and "u1: abstained True -> False" in diff


def test_multihop_loader_marks_null_queries(tmp_path):
    (tmp_path / "corpus.json").write_text(json.dumps([{"title": "T", "source": "S", "published_at": "2023-01-01",
                                                       "body": "Body."}]))
    queries = [{"query": "Q1?", "answer": "Yes", "question_type": "comparison_query",
                "evidence_list": [{"title": "T", "fact": "Body."}]},
               {"query": "Q2?", "answer": "Insufficient information.", "question_type": "null_query",
                "evidence_list": []}]
    (tmp_path / "queries-dev.json").write_text(json.dumps(queries))
    data = load_multihop(tmp_path)
    assert [a.title for a in data.articles] == ["T"]
    first, null = data.items
    assert first.type == "comparison" and first.evidence[0].text == "Body." and first.notes == "comparison_query"
    assert null.type == "null" and null.answers == () and not null.answerable and first.answerable
    assert (first.half, null.half) == ("tune", "report")  # even file positions tune, odd ones report
    assert len(load_multihop(tmp_path, limit=1).items) == 1


def test_multihop_sample_spreads_over_the_file_and_keeps_file_positions(tmp_path):
    (tmp_path / "corpus.json").write_text(json.dumps([{"title": "T", "body": "Body."}]))
    queries = [{"query": f"Q{n}?", "answer": "Yes", "question_type": "comparison_query",
                "evidence_list": [{"title": "T", "fact": "Body."}]} for n in range(10)]
    (tmp_path / "queries-dev.json").write_text(json.dumps(queries))
    assert [i.id for i in load_multihop(tmp_path, sample=3).items] == ["mh-0000", "mh-0003", "mh-0006"]
    assert [i.question for i in load_multihop(tmp_path, sample=20).items] == [f"Q{n}?" for n in range(10)]
    assert [i.id for i in load_multihop(tmp_path, sample=5, limit=2).items] == ["mh-0000", "mh-0002"]


def test_related_sentences_count_for_precision_not_recall():
    related = "“If we reduce this, then violence in Mexico will continue to go down,” he said."
    item = GoldItem("q", "What did Ebrard say about weapons?", ("weapons pandemic",),
                    (Evidence("000.txt", "“This is the weapons pandemic that we have in Mexico,” Ebrard said."),),
                    "quote", related=(Evidence("000.txt", related),))
    answer = Answer(item.question, "… [1]", (_cite(1, related),))
    scores, _ = score_question(item, answer, None)
    assert scores["citation_precision"] == 1.0 and scores["citation_recall"] == 0.0 and scores["hit@5"] is None
