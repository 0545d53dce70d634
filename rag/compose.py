"""Citation assembly and the extractive answer: every sentence verbatim from an article, each with [n].

    >>> from rag.compose import extractive_text
    >>> extractive_text(["But Mexico processes 140,000 applications a year."])
    'Mexico processes 140,000 applications a year. [1]'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from rag.evidence import Evidence, answer_sentence, load_sentences, near_duplicate
from rag.store import page_at
from rag.types import Citation, SyndicatedCopy


@dataclass(frozen=True)
class ArticleRow:
    """The article fields a citation needs."""

    id: str
    title: str
    source: str | None
    date: str | None
    path: str | None
    grp: str | None
    text: str
    url: str | None = None  # the article's web address (canonical for fetched pages)


def load_articles(db, ids: Sequence[str]) -> dict[str, ArticleRow]:
    if not ids:
        return {}
    rows = db.execute(f"SELECT id, title, source, date, path, grp, text, url FROM articles WHERE id IN "
                      f"({','.join('?' * len(ids))})", list(ids)).fetchall()
    return {r[0]: ArticleRow(*r) for r in rows}


def syndicated_copies(db, article: ArticleRow, quote: str) -> tuple[SyndicatedCopy, ...]:
    """Where other copies of the story (same syndication group) carry the same sentence."""
    if not article.grp:
        return ()
    ids = [r[0] for r in db.execute("SELECT id FROM articles WHERE grp = ? AND id != ?", (article.grp, article.id))]
    others = load_articles(db, ids)
    copies = []
    for aid, sents in load_sentences(db, ids, {k: v.text for k, v in others.items()}, speakers=False).items():
        match = next((s for s in sents if near_duplicate(quote, s.text)), None)
        if match:
            o = others[aid]
            copies.append(SyndicatedCopy(o.id, o.title, o.source, o.date, match.start, match.end))
    return tuple(copies)


def build_citations(db, evidence: Sequence[Evidence], articles: dict[str, ArticleRow]) -> tuple[Citation, ...]:
    """Numbered citations 1..n, one per evidence unit, quote == article.text[start:end]."""
    out = []
    for n, e in enumerate(evidence, 1):
        first, last = e.sentences[0], e.sentences[-1]
        a = articles[first.article_id]
        quote = a.text[first.start:last.end]
        out.append(Citation(
            number=n, article_id=a.id, title=a.title, source=a.source, date=a.date, quote=quote,
            passage=_passage(db, e), start=first.start, end=last.end,
            score=round(e.score, 4), also_in=syndicated_copies(db, a, quote), url=a.url,
            page=page_at(db, a.id, first.start),
        ))
    return tuple(out)


def _passage(db, e: Evidence) -> str:
    """The chunk that holds the evidence (the retrieved one when it does)."""
    first, last, p = e.sentences[0], e.sentences[-1], e.sentences[0].passage
    if p and p.start <= first.start and last.end <= p.end:
        return p.text
    row = db.execute("SELECT text FROM chunks WHERE article_id = ? AND start <= ? AND end >= ? ORDER BY idx LIMIT 1",
                     (first.article_id, first.start, last.end)).fetchone()
    return row[0] if row else e.text


def extractive_text(quotes: Sequence[str]) -> str:
    """The answer: each quote as a sentence followed by its marker."""
    return " ".join(f"{answer_sentence(q)} [{n}]" for n, q in enumerate(quotes, 1))
