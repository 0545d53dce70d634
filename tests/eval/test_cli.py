"""`rag eval` parses every form in the `rag` command; --compare runs without a model."""

import json

from eval.runner import EvalReport, QuestionResult
from rag.cli import build_parser, main


def _report(path, abstained):
    r = QuestionResult("u1", "unanswerable", "Q?", False, "a", abstained, None, None, 5.0, [], [], [], {})
    path.write_text(json.dumps(EvalReport("x", {}, [r]).to_dict()))
    return path


def test_eval_subcommand_parses_every_form():
    parser = build_parser()
    assert parser.parse_args(["eval", "g.jsonl", "--out", "o"]).gold == "g.jsonl"
    args = parser.parse_args(["eval", "--multihop", "d", "--queries", "q.json", "--limit", "5"])
    assert (args.multihop, args.queries, args.limit) == ("d", "q.json", 5)
    assert parser.parse_args(["eval", "--compare", "a.json", "b.json"]).compare == ["a.json", "b.json"]


def test_compare_prints_metric_differences(tmp_path, capsys):
    a, b = _report(tmp_path / "a.json", True), _report(tmp_path / "b.json", False)
    assert main(["eval", "--compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "| abstention_recall | 1.000 | 0.000 | -1.000 |" in out and "u1: abstained True -> False" in out
