"""What the end-to-end evaluation tests share: run a gold set and keep its report, check a threshold."""

from eval import metrics
from eval.runner import EvalReport, run_gold


def run_and_keep(items, settings, out_dir, name: str, match=metrics.evidence_match) -> EvalReport:
    """`run_gold`, its report written to `out_dir` and its table printed (seen with pytest -s)."""
    report = run_gold(items, settings, name=name, match=match)
    out = report.write(out_dir)
    print("\n" + report.table() + f"\n(report: {out})")
    return report


def assert_meets(report: EvalReport, metric: str, bound: float, kind: str, overall: dict | None = None) -> None:
    """`report.overall[metric]` (or `overall[metric]`, e.g. one half's figures) is at least `bound` (`kind` "min")
    or at most (`kind` "max"); the message names the worst questions, so a failure can be read in report.json."""
    value = (overall or report.overall)[metric]
    assert value is not None, f"{metric} undefined: retrieval metrics need Assistant.retrieve(question, top_k)"
    failing = [r.id for r in report.worst(5)]
    if kind == "min":
        assert value >= bound, f"{metric} = {value:.3f} < {bound}; worst questions: {failing}"
    else:
        assert value <= bound, f"{metric} = {value:.3f} > {bound}; worst questions: {failing}"
