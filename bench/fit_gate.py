"""Fit the answerability gate (`rag.answerability.GateWeights`) and report it on the halves it was not fitted on.

    python -m bench.fit_gate [--multihop ../shared/data/multihop-rag] [--sample 600] [--C 1.0]

Data: every question of the gold sets and of MultiHop-RAG dev is asked through `Assistant.find_evidence` (the
code that runs in `query()`), giving its `Signals` and its evidence. A question is labelled *answers* when it
is answerable and the evidence `query()` would cite holds every key fact or supports at least half of the gold
evidence sentences. Fitted on the *tune* halves (eval/gold/seeds.jsonl whole, the `half: "tune"` items of
seeds-outside.jsonl and multihop-new.jsonl, the even file positions of MultiHop-RAG dev); the threshold is chosen
on the tune rows, as the one with the least cost there, a confident answer to a question it does not answer
costing `FALSE_ANSWER_COST` times a missed answer (a confident wrong answer misleads; the closest passages
shown instead still let the reader check); every figure is then printed for the tune and the *report* halves,
side by side. Questions
that end as "not found" before the gate (unknown names, nothing near) are counted but not fitted.

Prints the fitted `GateWeights(...)` to paste into rag/answerability.py, and the table the choice rests on.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import fields
from pathlib import Path
from typing import Callable

from eval import metrics as m
from eval.cli import eval_index
from eval.loaders import load_gold, load_multihop
from eval.paths import GOLD_DIR as GOLD, MULTIHOP_DIR, SEEDS_DIR
from rag.answerability import SIGNAL_NAMES, GateWeights, probability
from rag.assistant import Assistant, Findings
from rag.evidence import NEAREST
from rag.followup import resolve
from rag.settings import Settings

FALSE_ANSWER_COST = 2.0


def rows_for(items, assistant: Assistant, set_name: str, top_k: int,
             extra: Callable[[str, Findings], dict] | None = None) -> list[dict]:
    """One row per question: its set, half, label and `Signals` (None when "not found"), and `extra`'s
    figures for the question and its findings when given (bench/gate_cv.py's candidate signals)."""
    rows = []
    for item in items:
        question = resolve(item.question, list(item.history) or None)
        found = assistant.find_evidence(question)
        half = item.half or "tune"
        row = {"set": set_name, "half": half, "answerable": item.answerable, "id": item.id, "signals": None,
               "label": False}
        if found.why_not_found is None:
            units = found.selection.evidence[:top_k]
            text = " ".join(e.text for e in units)
            golds = [e.text for e in item.evidence]
            label = item.answerable and (m.key_fact_recall(text, item.answers) == 1.0
                                         or (m.citation_recall([e.text for e in units], golds) or 0) >= 0.5)
            row.update(signals=found.signals, label=label, nearest_ok=item.answerable and m.key_fact_recall(
                " ".join(e.text for e in found.selection.evidence[:NEAREST]), item.answers) > 0)
            if extra is not None:
                row["extra"] = extra(question, found)
        rows.append(row)
    return rows


def collect(multihop: str, sample: int, extra: Callable[[str, Findings], dict] | None = None) -> list[dict]:
    """The rows of every gold set, and of `sample` MultiHop-RAG dev queries when `multihop` holds the data set."""
    settings = Settings.load()
    seeds = Assistant(eval_index(settings, [SEEDS_DIR], "seeds"))
    rows = rows_for(load_gold(GOLD / "seeds.jsonl"), seeds, "seeds", settings.top_k, extra)
    rows += rows_for(load_gold(GOLD / "seeds-outside.jsonl"), seeds, "seeds-outside", settings.top_k, extra)
    if Path(multihop, "corpus.json").is_file():
        mh = Assistant(eval_index(settings, [Path(multihop) / "corpus.json"], "multihop"))
        rows += rows_for(load_gold(GOLD / "multihop-new.jsonl"), mh, "multihop-new", settings.top_k, extra)
        rows += rows_for(load_multihop(multihop, sample=sample).items, mh, "multihop-dev", settings.top_k, extra)
    return rows


def summary(rows: list[dict], weights: GateWeights) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]

    def answered(r):
        return r["signals"] is not None and probability(r["signals"], weights) >= weights.threshold

    said = [r for r in rows if answered(r)]
    return {
        "n": len(rows),
        "not_found (answerable)": _share(sum(r["signals"] is None for r in answerable), len(answerable)),
        "answered (answerable)": _share(sum(answered(r) for r in answerable), len(answerable)),
        "abstained (unanswerable)": _share(sum(not answered(r) for r in unanswerable), len(unanswerable)),
        "answered and right": _share(sum(r["label"] for r in said), len(said)),
        "gate accuracy": _share(sum(answered(r) == r["label"] for r in rows if r["signals"] is not None),
                                sum(r["signals"] is not None for r in rows)),
    }


def _share(n, d):
    return round(n / d, 3) if d else None


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--multihop", default=str(MULTIHOP_DIR))
    parser.add_argument("--sample", type=int, default=600, help="MultiHop-RAG dev queries (spread over the file)")
    parser.add_argument("--C", type=float, default=1.0, help="inverse L2 strength of the logistic regression")
    args = parser.parse_args(argv)
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rows = collect(args.multihop, args.sample)
    tune = [r for r in rows if r["half"] == "tune" and r["signals"] is not None]
    x = np.array([[getattr(r["signals"], n) for n in SIGNAL_NAMES] for r in tune])
    y = np.array([r["label"] for r in tune])
    model = LogisticRegression(C=args.C, max_iter=2000).fit(x, y)
    fitted = dict(zip(SIGNAL_NAMES, (round(float(w), 3) for w in model.coef_[0])))
    base = GateWeights(**fitted, bias=round(float(model.intercept_[0]), 3))
    grid = [round(t, 2) for t in np.arange(0.2, 0.86, 0.05)]

    def cost(threshold: float) -> float:
        answered = [probability(r["signals"], base) >= threshold for r in tune]
        return sum(FALSE_ANSWER_COST * (a and not r["label"]) + (r["label"] and not a) for a, r in zip(answered, tune))

    best = min(grid, key=cost)
    weights = GateWeights(**{**_as_dict(base), "threshold": best})
    print("GateWeights(" + ", ".join(f"{k}={v}" for k, v in _as_dict(weights).items()) + ")\n")
    groups = defaultdict(list)
    for r in rows:
        groups[(r["set"], r["half"])].append(r)
    for label, w in (("current defaults", GateWeights()), ("fitted", weights)):
        print(f"## {label}\n")
        keys = list(summary(rows[:1], w))
        print("| set | half | " + " | ".join(keys) + " |\n|---|---|" + "---|" * len(keys))
        for (set_name, half), group in sorted(groups.items()):
            s = summary(group, w)
            print(f"| {set_name} | {half} | " + " | ".join(str(s[k]) for k in keys) + " |")
        print()


def _as_dict(w: GateWeights) -> dict:
    return {f.name: getattr(w, f.name) for f in fields(w)}


if __name__ == "__main__":
    main()
