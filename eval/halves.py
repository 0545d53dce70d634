"""The figures of each half of a split gold set, from any report.json, including runs made before `half` existed.

    python -m eval.halves REPORT.json GOLD.jsonl

Reads the per-question results of a `rag eval` report and the gold file's `half` of each id, and prints the
report's table with a column per half (a question the old runner recorded as abstaining counts as "not found").
This is how eval/RESULTS.md gives the report-half figures of the runs before the three outcomes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import fields

from eval.loaders import load_gold
from eval.runner import EvalReport, QuestionResult


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    report = json.loads(open(args[0], encoding="utf-8").read())
    half = {item.id: item.half for item in load_gold(args[1])}
    known = {f.name for f in fields(QuestionResult)}
    results = []
    for r in report["results"]:
        r = {k: v for k, v in r.items() if k in known}
        r["half"] = half.get(r["id"])
        r["kind"] = r.get("kind") or ("not_found" if r["abstained"] else "answered")
        results.append(QuestionResult(**r))
    print(EvalReport(report.get("name", "report"), report.get("settings", {}), results).table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
