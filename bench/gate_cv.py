"""Would a re-fit, or a signal of the whole-article pool, make the answerability gate better? Tune halves only.

    python -m bench.gate_cv [--multihop ../shared/data/multihop-rag] [--sample 2044] [--repeats 4]

`bench.fit_gate` fits one model on every tune row and prints it beside the committed weights on both halves. This
asks, on the tune rows alone (the report halves are not read), whether that fit generalises: out-of-fold cost per
row and per set (5 folds, stratified by set and label, `--repeats` shuffles; a confident answer to a question the
evidence does not answer costs `FALSE_ANSWER_COST`, a missed answer 1, the threshold chosen on the training folds
as `fit_gate` does) for

- the committed `GateWeights` (fitted earlier, partly on these rows: an in-sample figure, a floor to beat);
- a re-fit of every weight, rows pooled (as `fit_gate`) or each set weighted equally, for several C;
- one candidate signal of the whole-article pool (`rag.evidence._rest_of_articles`) added to the committed
  weights, only its weight and the bias fitted (L2 1/2 on the weight): `outside` (the first cited unit lies
  outside every retrieved passage), `cited_wide` (that unit's coverage with the wider pool's word rarity),
  `gain` (the best coverage in the wider pool above the best passage sentence's, same rarity) and `below` (the
  best passage sentence's coverage above the first cited unit's, the passages' rarity).

Also counts how often the wider pool gives the first cited unit. Results: eval/RESULTS.md.
"""

from __future__ import annotations

import argparse
from collections import Counter

from bench.fit_gate import FALSE_ANSWER_COST, collect
from eval.paths import MULTIHOP_DIR
from rag.answerability import SIGNAL_NAMES, GateWeights
from rag.assistant import Findings, without_names
from rag.evidence import _coverage, _idf, stems

CANDIDATES = ("outside", "cited_wide", "gain", "below")
THRESHOLDS = [round(0.2 + 0.05 * i, 2) for i in range(14)]  # fit_gate's grid, 0.2 to 0.85


def pool_figures(question: str, found: Findings) -> dict:
    """The candidate signals of one question's findings (see the module docstring)."""
    def inside(s):
        return s.passage is not None and s.passage.start <= s.start and s.end <= s.passage.end

    wide = [s for sents in found.sentences.values() for s in sents if s.passage is not None]  # every scored one
    passages = [s for s in wide if inside(s)]
    terms = stems(without_names(question, found.named))
    narrow_idf, wide_idf = _idf(passages), _idf(wide)
    unit = found.selection.evidence[0]
    held = set().union(*(s.stems or stems(s.text) for s in unit.sentences))

    def best(pool, idf):
        return max((_coverage(terms, s.stems, idf) for s in pool), default=0.0)

    return {"outside": float(not inside(unit.first)), "cited_wide": _coverage(terms, held, wide_idf),
            "gain": best(wide, wide_idf) - best(passages, wide_idf),
            "below": max(0.0, best(passages, narrow_idf) - _coverage(terms, held, narrow_idf))}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--multihop", default=str(MULTIHOP_DIR))
    parser.add_argument("--sample", type=int, default=2044, help="MultiHop-RAG dev queries (2044: all of them)")
    parser.add_argument("--repeats", type=int, default=4, help="shuffles of the 5 folds")
    args = parser.parse_args(argv)
    import numpy as np
    from scipy.optimize import minimize
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    rows = [r for r in collect(args.multihop, args.sample, pool_figures) if r["signals"] is not None]
    outside = Counter(r["set"] for r in rows if r["extra"]["outside"])
    print(f"{len(rows)} questions reach the gate; the first cited unit lies outside the passages in "
          f"{sum(outside.values())} ({dict(outside)})")
    tune = [r for r in rows if r["half"] == "tune"]
    x = np.array([[getattr(r["signals"], n) for n in SIGNAL_NAMES] for r in tune])
    y = np.array([bool(r["label"]) for r in tune])
    sets = np.array([r["set"] for r in tune])
    names = sorted(set(sets))
    gain = sum(r["extra"]["gain"] > 0 for r in tune)
    print(f"{len(tune)} tune rows ({dict(Counter(sets.tolist()))}); the wider pool holds more of the question's words "
          f"than the passages in {gain}\n")
    committed = GateWeights()
    z = x @ np.array([getattr(committed, n) for n in SIGNAL_NAMES])  # the committed score without its bias

    def costs(answered, y):
        return FALSE_ANSWER_COST * (answered & ~y) + (y & ~answered)

    def threshold(p, y, w):
        return min(THRESHOLDS, key=lambda t: float(np.sum(w * costs(p >= t, y))))

    def out_of_fold(fit_predict) -> dict:
        total = np.zeros(len(y))
        for seed in range(args.repeats):
            strata = [f"{s}{label}" for s, label in zip(sets, y)]
            for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, strata):
                total[test] += costs(fit_predict(train, test), y[test])
        return {s: round(float(total[sets == s].mean()) / args.repeats, 3) for s in names}

    def line(label, per_set):
        print(f"| {label} | " + " | ".join(str(per_set[s]) for s in names) + " |")

    print("| out-of-fold cost per row (tune) | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
    line("committed weights (in-sample)",
         {s: round(float(costs(z[sets == s] + committed.bias >= _logit(committed.threshold), y[sets == s]).mean()), 3)
          for s in names})
    for balanced in (False, True):
        for c in (0.1, 0.3, 1.0):
            def refit(train, test, c=c, balanced=balanced):
                n = Counter(sets[train])
                w = np.array([len(train) / (len(n) * n[s]) if balanced else 1.0 for s in sets[train]])
                model = LogisticRegression(C=c, max_iter=5000).fit(x[train], y[train], sample_weight=w)
                t = threshold(model.predict_proba(x[train])[:, 1], y[train], w)
                return model.predict_proba(x[test])[:, 1] >= t
            line(f"re-fit, {'sets weighted equally' if balanced else 'rows pooled'}, C={c}", out_of_fold(refit))
    for name in CANDIDATES:
        f = np.array([r["extra"][name] for r in tune])

        def held(train, test, f=f):
            def loss(p):
                s = p[1] + z[train] + p[0] * f[train]
                return float(np.sum(np.logaddexp(0, s) - y[train] * s) + 0.5 * p[0] ** 2)
            weight, bias = minimize(loss, [0.0, committed.bias], method="L-BFGS-B").x
            return z[test] + bias + weight * f[test] >= _logit(committed.threshold)
        line(f"committed weights + `{name}`", out_of_fold(held))


def _logit(p: float) -> float:
    import math
    return math.log(p / (1 - p))


if __name__ == "__main__":
    main()
