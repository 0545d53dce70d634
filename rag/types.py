"""The typed records that cross a boundary between `index/`, `rag/`, `ui/` and `eval/`.

Everything here is plain data: frozen dataclasses that serialise to JSON with
`dataclasses.asdict`. No behaviour beyond formatting lives here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass(frozen=True)
class Article:
    """One cleaned news article, as stored in the index.

    `text` is the cleaned text; every offset elsewhere (chunks, sentences,
    citations) points into it. `group` names the syndication group: articles
    that are near-duplicate copies of one story share it (None when unique).
    """

    id: str
    title: str
    text: str
    source: str | None = None
    author: str | None = None
    date: str | None = None  # ISO 8601 date "YYYY-MM-DD" when known
    path: str | None = None
    url: str | None = None
    hash: str = ""
    group: str | None = None


@dataclass(frozen=True)
class Chunk:
    """A span of an article's cleaned text: `article.text[start:end] == text`."""

    id: str
    article_id: str
    index: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class SyndicatedCopy:
    """Where the same sentence appears in another copy of the story."""

    article_id: str
    title: str
    source: str | None
    date: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Citation:
    """The evidence behind one [n] marker of an answer.

    `quote` is exactly `article.text[start:end]`; `passage` is the chunk that
    holds it, for context.
    """

    number: int
    article_id: str
    title: str
    source: str | None
    date: str | None
    quote: str
    passage: str
    start: int
    end: int
    score: float
    also_in: tuple[SyndicatedCopy, ...] = ()
    url: str | None = None  # the article's (canonical) web address, when it came from the web
    page: int | None = None  # the PDF page the quote begins on

    def details(self) -> str:
        """What a plain-text source line shows after the title: 'The Paper, 2023-10-05, p. 2, https://…'."""
        return ", ".join(x for x in (self.source, self.date, f"p. {self.page}" if self.page else None, self.url) if x)


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some publishers, articles or a date range (inclusive)."""

    sources: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def is_empty(self) -> bool:
        return not (self.sources or self.article_ids or self.date_from or self.date_to)


@dataclass(frozen=True)
class Answer:
    """What `rag.query` returns.

    `text` carries [n] markers that index into `citations` (1-based).
    When `abstained` is true, `citations` is empty and `text` says what the
    library does cover instead.
    """

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    resolved_question: str | None = None  # the question after follow-up resolution
    error: str | None = None  # a one-line message when the question could not be asked

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    def to_markdown(self) -> str:
        """The answer followed by its numbered sources, ready to paste."""
        lines = [self.text]
        if self.citations:
            lines += ["", "**Sources**", ""]
            for c in self.citations:
                meta = c.details()
                head = f"[{c.number}] *{c.title}*" + (f" ({meta})" if meta else "")
                lines.append(f"{head}: “{c.quote}”")
                if c.also_in:
                    copies = "; ".join(
                        f"*{k.title}*" + (f" ({k.source})" if k.source else "") for k in c.also_in
                    )
                    lines.append(f"    also in: {copies}")
        return "\n".join(lines)
