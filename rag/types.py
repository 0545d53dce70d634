"""The typed records that cross a boundary between `index/`, `rag/`, `ui/` and `eval/`.

Everything here is plain data: frozen dataclasses that serialise to JSON with
`dataclasses.asdict`, and the metadata keys of a chunk's vector in Chroma (`ChunkKey`, `chunk_metadata`).
No behaviour beyond formatting lives here.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date

from rag.text import quoted


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


class ChunkKey:
    """The metadata keys of a chunk's vector in Chroma (written by `chunk_metadata`, filtered on by
    `rag.filters.chroma_where`)."""

    ARTICLE_ID = "article_id"
    TITLE = "title"
    SOURCE = "source"  # "" when unknown
    DATE = "date"  # ISO day, "" when unknown
    DATE_NUM = "date_num"  # the day as the integer YYYYMMDD (0 when unknown): Chroma compares numbers only
    CHUNK_IDX = "chunk_idx"


def date_num(day: str | None) -> int:
    """`ChunkKey.DATE_NUM` of an ISO day: "2023-10-04" -> 20231004; 0 for no day or another form."""
    return int(day.replace("-", "")) if day and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else 0


def chunk_metadata(article: Article, chunk_idx: int) -> dict:
    """What the vector of chunk `chunk_idx` of `article` carries in Chroma."""
    return {ChunkKey.ARTICLE_ID: article.id, ChunkKey.TITLE: article.title, ChunkKey.SOURCE: article.source or "",
            ChunkKey.DATE: article.date or "", ChunkKey.DATE_NUM: date_num(article.date), ChunkKey.CHUNK_IDX: chunk_idx}


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
    # [start, end) in the article of the words that answer the question (a name, number, date or role inside
    # the quote), when the question asks for one and the quote gives it; bold in Markdown, marked in the chat.
    highlight: tuple[int, int] | None = None

    def details(self) -> str:
        """What a plain-text source line shows after the title: 'The Paper, 2023-10-05, p. 2, https://…'."""
        return ", ".join(x for x in (self.source, self.date, f"p. {self.page}" if self.page else None, self.url) if x)

    def quote_parts(self) -> tuple[str, str, str]:
        """The quote split around its highlight: (before, highlighted, after); the middle is "" without one."""
        if self.highlight is None or not (self.start <= self.highlight[0] < self.highlight[1] <= self.end):
            return self.quote, "", ""
        a, b = self.highlight[0] - self.start, self.highlight[1] - self.start
        return self.quote[:a], self.quote[a:b], self.quote[b:]


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some publishers, articles or a date range (inclusive). A date range leaves out
    articles with no date unless `undated` is true (the range a question's own words give keeps them: nothing
    says they fall outside it)."""

    sources: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    undated: bool = False

    def is_empty(self) -> bool:
        return not (self.sources or self.article_ids or self.date_from or self.date_to)


ANSWERED = "answered"  # the cited sentences answer the question
NOT_STATED = "not_stated"  # the library is about the question, but no sentence states the answer: the closest ones
NOT_FOUND = "not_found"  # nothing in the library is about the question
ANSWER_KINDS = (ANSWERED, NOT_STATED, NOT_FOUND)
NOT_STATED_LEAD = "Your articles do not state this directly. The closest passages:"  # opens a not_stated text


@dataclass(frozen=True)
class Answer:
    """What `rag.query` returns.

    `text` carries [n] markers that index into `citations` (1-based). `kind` is one of three outcomes:
    `"answered"`; `"not_stated"`, when the articles are about the question but none states the answer: the
    citations are then the closest sentences, labelled so in `text`; `"not_found"`, when nothing in the library
    is about it: no citations, and `text` says what the library covers. `abstained` is true unless answered.
    `confidence` is the answerability gate's calibrated probability that the cited sentences answer
    (`rag.answerability`), None when the gate did not run. `searched` says what was searched where it is not the
    question as written: the publication dates its own time words chose ("in October 2023", "the latest on";
    `rag.question_dates`), and the library's spelling of a name it misspells (`rag.spelling`); else None.

        >>> Answer(question="q", text="Nothing.", abstained=True).kind
        'not_found'
    """

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    resolved_question: str | None = None  # the question after follow-up resolution
    error: str | None = None  # a one-line message when the question could not be asked
    kind: str = ""  # one of ANSWER_KINDS; left empty, it follows `abstained`
    confidence: float | None = None
    searched: str | None = None  # e.g. 'Searched articles published ...', 'Searched for “Blinken” ...'

    def __post_init__(self):
        if not self.kind:
            object.__setattr__(self, "kind", NOT_FOUND if self.abstained else ANSWERED)
        elif self.kind not in ANSWER_KINDS:
            raise ValueError(f"Answer.kind must be one of {', '.join(ANSWER_KINDS)}, not {self.kind!r}")
        object.__setattr__(self, "abstained", self.kind != ANSWERED)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    def to_markdown(self) -> str:
        """The answer followed by its numbered sources, ready to paste."""
        lines = ([f"*{self.searched}*", ""] if self.searched else []) + [self.text]
        if self.citations:
            lines += ["", "**Closest passages**" if self.kind == NOT_STATED else "**Sources**", ""]
            for c in self.citations:
                meta = c.details()
                head = f"[{c.number}] *{c.title}*" + (f" ({meta})" if meta else "")
                before, marked, after = c.quote_parts()
                lines.append(f"{head}: {quoted(before + (f'**{marked}**' if marked else '') + after)}")
                if c.also_in:
                    copies = "; ".join(
                        f"*{k.title}*" + (f" ({k.source})" if k.source else "") for k in c.also_in
                    )
                    lines.append(f"    also in: {copies}")
        return "\n".join(lines)
