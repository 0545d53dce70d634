"""Run a gold set against an index through the public `rag` API and score every question.

    >>> from eval.loaders import load_gold
    >>> from eval.runner import run_gold
    >>> report = run_gold(load_gold("eval/gold/seeds.jsonl"), settings)      # doctest: +SKIP
    >>> report.write("out/")                                                  # report.md, report.json, by_type.png
    >>> print(report.table())                                                 # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from eval import metrics as m
from eval.loaders import GoldItem
from rag.settings import Settings

RETRIEVE_K = 10
Progress = Callable[[int, int, str], None]

# Aggregated metrics, in report order. Undefined values (None) are left out of means.
METRICS = ("hit@1", "hit@4", "hit@5", "hit@10", "mrr@10", "map@10", "evidence_recall@5", "key_fact_recall", "token_f1",
           "citation_precision", "citation_recall")
ABSTENTION = ("abstention_precision", "abstention_recall", "false_abstention_rate", "answered_rate", "not_stated_rate",
              "false_not_found_rate")
LATENCY = ("latency_p50_ms", "latency_p95_ms")


@dataclass
class QuestionResult:
    """Everything about one question, so a failure can be read from report.json alone."""

    id: str
    type: str
    question: str
    answerable: bool
    answer: str
    abstained: bool  # not answered: "not stated directly" or "not found"
    resolved_question: str | None
    error: str | None
    latency_ms: float
    citations: list[dict]
    retrieved: list[dict]  # top-k passages: rank, title, score, text
    evidence_ranks: list[int | None]
    scores: dict[str, float | None] = field(default_factory=dict)
    gold_answers: list[str] = field(default_factory=list)
    notes: str | None = None
    kind: str = ""  # Answer.kind: answered, not_stated, not_found
    confidence: float | None = None  # the answerability gate's probability
    half: str | None = None  # the gold item's half ("tune" / "report") in a split set


def score_question(item: GoldItem, answer, retrieved_texts: Sequence[str] | None,
                   match: Callable[[str, str], bool] = m.evidence_match) -> tuple[dict, list]:
    """Per-question scores from an Answer and the ranked retrieved passage texts (pure).

    `retrieved_texts` None (no ranked passages available) leaves the retrieval metrics undefined. The answer
    metrics score the text the reader gets, for "not stated directly" answers too (their closest passages are
    cited and shown); a "not found" answer scores 0 on key facts and leaves citation metrics undefined."""
    golds = [e.text for e in item.evidence]
    ranks = m.first_found_ranks(golds, retrieved_texts, match) if golds and retrieved_texts is not None else []
    quotes = [c.quote for c in answer.citations]
    s: dict[str, float | None] = dict.fromkeys(METRICS)
    if item.answerable and golds and retrieved_texts is not None:
        s.update({"hit@1": float(m.hit_at_k(ranks, 1)), "hit@4": float(m.hit_at_k(ranks, 4)),
                  "hit@5": float(m.hit_at_k(ranks, 5)),
                  "hit@10": float(m.hit_at_k(ranks, 10)), "mrr@10": m.mrr_at_k(ranks, 10),
                  "map@10": m.map_at_k(ranks, 10), "evidence_recall@5": m.evidence_recall_at_k(ranks, 5)})
    if item.answerable:
        found = bool(answer.citations)
        s["key_fact_recall"] = m.key_fact_recall(answer.text, item.answers) if found else 0.0
        s["token_f1"] = m.token_f1(answer.text, " ".join(item.answers)) if found else 0.0
        if found:
            relevant = golds + [e.text for e in item.related]
            s["citation_precision"] = m.citation_precision(quotes, relevant, item.answers)
            s["citation_recall"] = m.citation_recall(quotes, golds)
    return s, ranks


@dataclass
class EvalReport:
    """The results of one run: per question, overall and by question type."""

    name: str
    settings: dict
    results: list[QuestionResult]
    overall: dict = field(default_factory=dict)
    by_type: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.overall:
            self.overall = aggregate(self.results)
            self.by_type = {t: aggregate([r for r in self.results if r.type == t])
                            for t in sorted({r.type for r in self.results})}
            # A set split for tuning is reported by half too: the report half is the one never tuned on.
            self.by_type.update({f"{h} half": aggregate([r for r in self.results if r.half == h])
                                 for h in ("tune", "report") if any(r.half == h for r in self.results)})

    def to_dict(self) -> dict:
        return {"name": self.name, "settings": self.settings, "overall": self.overall, "by_type": self.by_type,
                "results": [asdict(r) for r in self.results]}

    def table(self) -> str:
        """A Markdown table: metrics (rows) by question type (columns), plus "all"."""
        cols = ["all", *self.by_type]
        data = {"all": self.overall, **self.by_type}
        lines = ["| metric | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
        for key in ("n", *METRICS, *ABSTENTION, *LATENCY):
            lines.append(f"| {key} | " + " | ".join(_fmt(data[c].get(key)) for c in cols) + " |")
        return "\n".join(lines)

    def worst(self, n: int = 3) -> list[QuestionResult]:
        """The n questions with the lowest mean score (abstention errors count as 0)."""
        def goodness(r: QuestionResult) -> float:
            if r.answerable == r.abstained and r.kind != "not_stated":  # not found, or answered the unanswerable
                return 0.0
            if not r.answerable:  # a correct abstention
                return 1.0
            return m.mean(r.scores.get(k) for k in ("hit@5", "key_fact_recall", "citation_precision",
                                                    "citation_recall")) or 0.0
        return sorted(self.results, key=goodness)[:n]

    def to_markdown(self) -> str:
        parts = [f"# Evaluation: {self.name}", "", f"{len(self.results)} questions.", "", self.table(), "",
                 "## Worst questions", ""]
        for r in self.worst():
            parts += [f"- **{r.id}** ({r.type}) {r.question!r}: abstained={r.abstained}, "
                      f"scores={ {k: round(v, 2) for k, v in r.scores.items() if v is not None} }",
                      f"  - answer: {r.answer[:300]!r}", f"  - gold: {r.gold_answers}"]
        parts += ["", "Definitions: eval/README.md. Per-question detail: report.json."]
        return "\n".join(parts) + "\n"

    def write(self, out_dir: str | Path) -> Path:
        """Write report.md, report.json and by_type.png into `out_dir` (created)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
        (out / "report.md").write_text(self.to_markdown(), encoding="utf-8")
        from eval.chart import bar_chart

        # abstention_recall is the one of these defined for unanswerable questions: without it their group is empty.
        bar_chart(self.by_type, ("hit@5", "key_fact_recall", "citation_precision", "citation_recall", "abstention_recall"),
                  out / "by_type.png", title=f"{self.name}: metrics by question type")
        return out


def aggregate(results: Sequence[QuestionResult]) -> dict:
    out: dict = {"n": len(results)}
    for key in METRICS:
        out[key] = m.mean(r.scores.get(key) for r in results)
    out.update(m.abstention_scores((r.answerable, r.abstained) for r in results))
    out.update(m.outcome_scores((r.answerable, r.kind) for r in results))
    latencies = [r.latency_ms for r in results]
    out["latency_p50_ms"] = m.percentile(latencies, 50)
    out["latency_p95_ms"] = m.percentile(latencies, 95)
    return out


def _fmt(v) -> str:
    if v is None:
        return "–"
    return f"{v:.0f}" if isinstance(v, int) or (isinstance(v, float) and v > 10) else f"{v:.3f}"


def run_gold(items: Sequence[GoldItem], settings: Settings, *, name: str = "gold",
             progress: Progress | None = None, match: Callable[[str, str], bool] = m.evidence_match) -> EvalReport:
    """Ask every gold question through `rag.query` (answer, citations, latency) and
    `assistant.retrieve` (the ranked passages for retrieval metrics), and score them."""
    from rag import open_assistant, query

    # The ranked passages come from `Assistant.retrieve`; without it, retrieval metrics stay undefined.
    retrieve = getattr(open_assistant(settings), "retrieve", None)
    results = []
    for n, item in enumerate(items, 1):
        if progress:
            progress(n - 1, len(items), item.id)
        began = time.perf_counter()
        answer = query(item.question, history=list(item.history) or None, index=settings)
        latency = (time.perf_counter() - began) * 1000
        asked = answer.resolved_question or item.question
        passages = retrieve(asked, top_k=RETRIEVE_K) if retrieve else []
        texts = [p.text for p in passages] if retrieve else None
        scores, ranks = score_question(item, answer, texts, match)
        results.append(QuestionResult(
            id=item.id, type=item.type, question=item.question, answerable=item.answerable, answer=answer.text,
            abstained=answer.abstained, resolved_question=answer.resolved_question, error=answer.error,
            latency_ms=latency,
            citations=[{"number": c.number, "title": c.title, "source": c.source, "quote": c.quote,
                        "score": c.score} for c in answer.citations],
            retrieved=[{"rank": i, "title": p.title, "score": p.score, "text": p.text}
                       for i, p in enumerate(passages, 1)],
            evidence_ranks=ranks, scores=scores, gold_answers=list(item.answers), notes=item.notes,
            kind=answer.kind, confidence=answer.confidence, half=item.half))
    if progress:
        progress(len(items), len(items), "done")
    return EvalReport(name, _settings_summary(settings), results)


def _settings_summary(settings: Settings) -> dict:
    keep = ("index_dir", "model", "backend", "chunk_size", "chunk_overlap", "top_k", "candidates", "llm_url")
    return {k: str(getattr(settings, k)) if getattr(settings, k) is not None else None for k in keep}


def compare(a: dict, b: dict) -> str:
    """Per-metric difference (B - A) of two report.json dicts, and the questions whose outcome changed."""
    lines = [f"| metric | A | B | B - A |", "|---|---|---|---|"]
    for key in (*METRICS, *ABSTENTION, *LATENCY):
        va, vb = a["overall"].get(key), b["overall"].get(key)
        if va is None and vb is None:
            continue
        diff = _fmt(vb - va) if va is not None and vb is not None else "–"
        lines.append(f"| {key} | {_fmt(va)} | {_fmt(vb)} | {diff} |")
    old = {r["id"]: r for r in a["results"]}
    changed = []
    for r in b["results"]:
        before = old.get(r["id"])
        if before is None:
            continue
        deltas = {k: (before["scores"].get(k), r["scores"].get(k)) for k in METRICS
                  if before["scores"].get(k) != r["scores"].get(k)}
        if before["abstained"] != r["abstained"]:
            deltas["abstained"] = (before["abstained"], r["abstained"])
        if deltas:
            changed.append(f"- {r['id']}: " + ", ".join(f"{k} {_fmt(x) if not isinstance(x, bool) else x} -> "
                                                        f"{_fmt(y) if not isinstance(y, bool) else y}"
                                                        for k, (x, y) in deltas.items()))
    lines += ["", f"{len(changed)} questions changed" + (":" if changed else "."), *changed]
    return "\n".join(lines)
