"""Gold sets: the project's JSONL format (see eval/README.md) and the MultiHop-RAG format.

    >>> from eval.loaders import load_gold
    >>> items = load_gold("eval/gold/seeds.jsonl")
    >>> items[0].type in GOLD_TYPES
    True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

GOLD_TYPES = ("factoid", "quote", "multi-article", "numeric", "unanswerable", "follow-up")
MULTIHOP_TYPES = ("inference", "comparison", "temporal", "null")  # the data set's own question types
UNANSWERABLE_TYPES = ("unanswerable", "null")
GOLD_HALVES = ("tune", "report")  # `half` of a held-out set: tune on one, only report the other


@dataclass(frozen=True)
class Evidence:
    """A supporting sentence: `text` is verbatim in `article` (a file name, or a title for MultiHop-RAG)."""

    article: str
    text: str


@dataclass(frozen=True)
class GoldItem:
    """One gold question. `answers` are the key facts a correct answer contains; empty when unanswerable."""

    id: str
    question: str
    answers: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    type: str
    history: tuple[dict, ...] = ()
    notes: str | None = None
    related: tuple[Evidence, ...] = ()  # other relevant sentences: citing them is precise, not required
    half: str | None = None  # "tune" or "report" in a set split for tuning (see eval/README.md)

    @property
    def answerable(self) -> bool:
        return self.type not in UNANSWERABLE_TYPES


class GoldFormatError(ValueError):
    """A gold file line does not follow the documented format."""


def load_gold(path: str | Path) -> list[GoldItem]:
    """Read a gold JSONL file (one object per line; blank lines ignored) and check every record.

    >>> load_gold("eval/gold/seeds.jsonl")[0].id
    'fact-01'
    """
    items = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(_gold_item(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise GoldFormatError(f"{path}:{n}: {exc}") from None
    return items


def _gold_item(d: dict) -> GoldItem:
    item = GoldItem(
        id=str(d["id"]),
        question=str(d["question"]),
        answers=tuple(str(a) for a in d.get("answers", ())),
        evidence=tuple(Evidence(str(e["article"]), str(e["text"])) for e in d.get("evidence", ())),
        type=str(d["type"]),
        history=tuple({"role": h["role"], "content": h["content"]} for h in d.get("history", ()) or ()),
        notes=d.get("notes"),
        related=tuple(Evidence(str(e["article"]), str(e["text"])) for e in d.get("related", ())),
        half=d.get("half"),
    )
    if item.type not in GOLD_TYPES:
        raise ValueError(f"type {item.type!r} is not one of {', '.join(GOLD_TYPES)}")
    if item.half is not None and item.half not in GOLD_HALVES:
        raise ValueError(f"half {item.half!r} is not one of {', '.join(GOLD_HALVES)}")
    if item.answerable and not (item.answers and item.evidence):
        raise ValueError(f"{item.id}: an answerable question needs answers and evidence")
    return item


@dataclass(frozen=True)
class MultiHopArticle:
    title: str
    source: str
    published_at: str
    body: str
    url: str = ""
    author: str = ""
    category: str = ""


@dataclass(frozen=True)
class MultiHopSet:
    """The corpus and the gold items of one MultiHop-RAG queries file."""

    articles: list[MultiHopArticle]
    items: list[GoldItem] = field(default_factory=list)


def load_multihop(folder: str | Path, queries: str | Path | None = None, *, limit: int | None = None,
                  sample: int | None = None) -> MultiHopSet:
    """Load `corpus.json` and a queries file (default `queries-dev.json`) from a MultiHop-RAG folder.

    Each query becomes a GoldItem: `evidence` = its facts with their article titles, `answers` = the gold
    answer, `type` = the data set's question type without "_query" (inference, comparison, temporal, null:
    `MULTIHOP_TYPES`; null queries are unanswerable), also kept whole in `notes`. `limit` keeps the first N queries; `sample` keeps N spread evenly over
    the file (every k-th), so a short run still sees every question type. Ids (`mh-0042`) are positions in
    the file, the same in a sample as in the whole run, so `rag eval --compare` can pair them.

    >>> mh = load_multihop("../shared/data/multihop-rag", limit=5)   # doctest: +SKIP
    """
    folder = Path(folder)
    corpus = json.loads((folder / "corpus.json").read_text(encoding="utf-8"))
    articles = [MultiHopArticle(title=a["title"], source=a.get("source") or "", published_at=a.get("published_at") or "",
                                body=a["body"], url=a.get("url") or "", author=a.get("author") or "",
                                category=a.get("category") or "") for a in corpus]
    qpath = Path(queries) if queries else folder / "queries-dev.json"
    raw = json.loads(qpath.read_text(encoding="utf-8"))
    chosen = list(enumerate(raw))
    if sample is not None:
        chosen = chosen[:: max(1, len(chosen) // max(sample, 1))][:sample]
    if limit is not None:
        chosen = chosen[:limit]
    items = []
    for n, q in chosen:
        qtype = q.get("question_type", "")
        unanswerable = qtype == "null_query" or not q.get("evidence_list")
        items.append(GoldItem(
            id=f"mh-{n:04d}",
            question=q["query"],
            answers=() if unanswerable else (str(q.get("answer", "")),),
            evidence=tuple(Evidence(e["title"], e["fact"]) for e in q.get("evidence_list", ())),
            type="null" if unanswerable else qtype.removesuffix("_query"),
            notes=qtype,
            half="tune" if n % 2 == 0 else "report",  # even file positions tune, odd ones are only reported
        ))
    return MultiHopSet(articles, items)
