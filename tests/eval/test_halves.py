"""eval.halves: a report made before `half` existed, split by the gold file's halves."""

import json

from eval.halves import main


def test_an_old_report_is_split_by_the_gold_files_halves(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(d) for d in [
        {"id": "a", "question": "Q1?", "answers": ["x"], "evidence": [{"article": "f", "text": "x"}],
         "type": "factoid", "half": "tune"},
        {"id": "b", "question": "Q2?", "answers": [], "evidence": [], "type": "unanswerable", "half": "report"}]))
    old = {"name": "old", "settings": {}, "results": [  # the old runner: no kind, no half
        {"id": "a", "type": "factoid", "question": "Q1?", "answerable": True, "answer": "x [1]", "abstained": False,
         "resolved_question": None, "error": None, "latency_ms": 5.0, "citations": [], "retrieved": [],
         "evidence_ranks": [], "scores": {"key_fact_recall": 1.0}},
        {"id": "b", "type": "unanswerable", "question": "Q2?", "answerable": False, "answer": "I could not find",
         "abstained": True, "resolved_question": None, "error": None, "latency_ms": 5.0, "citations": [],
         "retrieved": [], "evidence_ranks": [], "scores": {}}]}
    report = tmp_path / "report.json"
    report.write_text(json.dumps(old))
    assert main([str(report), str(gold)]) == 0
    table = capsys.readouterr().out
    assert "| tune half | report half |" in table.splitlines()[0]
    assert "| key_fact_recall | 1.000 | 1.000 | – | 1.000 | – |" in table
    assert "| abstention_recall | 1.000 | – | 1.000 | – | 1.000 |" in table
