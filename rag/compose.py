"""Citation assembly and the extractive answer: every sentence verbatim from an article, each with [n].

    >>> from rag.compose import extractive_text
    >>> extractive_text(["But Mexico processes 140,000 applications a year."])
    'Mexico processes 140,000 applications a year. [1]'
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from rag import answer_type
from rag.evidence import Evidence, answer_sentence, load_sentences, near_duplicate
from rag.store import chunk_text_holding, load_articles, page_at, syndicated_with
from rag.types import Article, Citation, SyndicatedCopy


def syndicated_copies(db, article: Article, quote: str) -> tuple[SyndicatedCopy, ...]:
    """Where other copies of the story (same syndication group) carry the same sentence."""
    ids = syndicated_with(db, article)
    if not ids:
        return ()
    others = load_articles(db, ids)
    copies = []
    # Most copies carry the sentence word for word; only the others are split into sentences to find it.
    verbatim = {aid: o.text.find(quote) for aid, o in others.items()}
    for aid, at in verbatim.items():
        if at >= 0:
            o = others[aid]
            copies.append(SyndicatedCopy(o.id, o.title, o.source, o.date, at, at + len(quote)))
    edited = [aid for aid, at in verbatim.items() if at < 0]
    for aid, sents in load_sentences(db, edited, {k: others[k].text for k in edited}, speakers=False).items():
        match = next((s for s in sents if near_duplicate(quote, s.text)), None)
        if match:
            o = others[aid]
            copies.append(SyndicatedCopy(o.id, o.title, o.source, o.date, match.start, match.end))
    return tuple(sorted(copies, key=lambda c: ids.index(c.article_id)))


def build_citations(db, evidence: Sequence[Evidence], articles: Mapping[str, Article], kind: str | None = None,
                    question: str = "") -> tuple[Citation, ...]:
    """Numbered citations 1..n, one per evidence unit, quote == article.text[start:end]; where the question
    asks for a `kind` of answer (`rag.answer_type`), the words of the quote that give it are its highlight."""
    out = []
    for n, e in enumerate(evidence, 1):
        first, last = e.sentences[0], e.sentences[-1]
        a = articles[first.article_id]
        quote = a.text[first.start:last.end]
        span = answer_type.answer_span(quote, kind, question)
        out.append(Citation(
            number=n, article_id=a.id, title=a.title, source=a.source, date=a.date, quote=quote,
            passage=_passage(db, e), start=first.start, end=last.end,
            score=round(e.score, 4), also_in=syndicated_copies(db, a, quote), url=a.url,
            page=page_at(db, a.id, first.start),
            highlight=(first.start + span[0], first.start + span[1]) if span else None,
        ))
    return tuple(out)


def _passage(db, e: Evidence) -> str:
    """The chunk that holds the evidence (the retrieved one when it does)."""
    first, last, p = e.sentences[0], e.sentences[-1], e.sentences[0].passage
    if p and p.start <= first.start and last.end <= p.end:
        return p.text
    text = chunk_text_holding(db, first.article_id, first.start, last.end)
    return e.text if text is None else text


def extractive_text(quotes: Sequence[str]) -> str:
    """The answer: each quote as a sentence followed by its marker."""
    return " ".join(f"{answer_sentence(q)} [{n}]" for n, q in enumerate(quotes, 1))


ORDER_QUESTION = re.compile(r"\b(before|after|earlier|later|prior to|preced\w*|follow\w*|first|sooner)\b", re.I)
# "Did A report X before B covered Y?": a yes/no question whose only claim is the order of two reports, answered
# from their dates. A question that also judges what they say ("consistent", "suggest", "while") is not: the
# dates decide only the order. MultiHop-RAG dev, 23 questions so parsed: the gold Yes/No follows from the evidence
# articles' dates in 20 (3 golds say "no" to an order the dates confirm).
ORDER_CLAIM = re.compile(r"^\W*(?:did|was|were|has|had|is)\b", re.I)
JUDGES_CONTENT = re.compile(r"consisten|chang|same|similar|align|contradict|agree|suggest|indicat|differ|\bboth\b|"
                            r"shift|remain|portray|narrative|stance|\bwhile\b|whereas", re.I)
NEGATED = re.compile(r"\b(?:not|never|fail(?:ed|s)? to|\w+n't)\b", re.I)


def order_claim(question: str, named: Sequence[str]) -> tuple[str, str, bool] | None:
    """(the publisher claimed first, the one claimed second, whether the claim is negated) of a yes/no question
    about the order of two reports, else None.

        >>> order_claim("Did The Verge report it before TechCrunch covered it?", ["TechCrunch", "The Verge"])
        ('The Verge', 'TechCrunch', False)
        >>> order_claim("Did The Verge suggest X before TechCrunch said Y?", ["TechCrunch", "The Verge"]) is None
        True
    """
    if not ORDER_CLAIM.search(question) or JUDGES_CONTENT.search(question):
        return None
    words = list(re.finditer(r"\b(before|after)\b", question, re.I))
    at = {name: question.find(name) for name in named if name in question}
    if len(words) != 1 or len(at) != 2:
        return None
    (a, pos_a), (b, pos_b) = sorted(at.items(), key=lambda item: item[1])
    if not pos_a < words[0].start() < pos_b:
        return None
    first, second = (a, b) if words[0].group(1).lower() == "before" else (b, a)
    return first, second, bool(NEGATED.search(question))


def date_order(question: str, citations: Sequence[Citation], named: Sequence[str]) -> str | None:
    """For a question that asks which of several reports came first, their order by publication date, as a
    sentence citing them: metadata, never a guess. None when the question does not ask, or the cited
    articles of the publishers it names lack dates.

        >>> c = [Citation(1, "a", "T1", "The Verge", "2023-10-03", "q", "p", 0, 1, 1.0),
        ...      Citation(2, "b", "T2", "TechCrunch", "2023-10-05", "q", "p", 0, 1, 1.0)]
        >>> date_order("Did TechCrunch report it after The Verge?", c, ["TechCrunch", "The Verge"])
        "Yes. By publication date, The Verge's report (2023-10-03) came before TechCrunch's (2023-10-05). [1][2]"
    """
    if not ORDER_QUESTION.search(question) or len(named) < 2:
        return None
    first_of = {}
    for c in citations:
        if c.source in named and c.date and c.source not in first_of:
            first_of[c.source] = c
    if len(first_of) < 2:
        return None
    ordered = sorted(first_of.values(), key=lambda c: c.date)
    marks = "".join(f"[{c.number}]" for c in ordered)
    claim = order_claim(question, named)
    verdict = ""
    if claim and claim[0] in first_of and claim[1] in first_of and first_of[claim[0]].date != first_of[claim[1]].date:
        holds = first_of[claim[0]].date < first_of[claim[1]].date
        verdict = "Yes. " if holds != claim[2] else "No. "
    if ordered[0].date == ordered[-1].date:
        return (f"{verdict}By publication date, the reports of {' and '.join(c.source for c in ordered)} came out the same "
                f"day ({ordered[0].date}). {marks}")
    steps = " came before ".join(f"{c.source}'s" + (" report" if i == 0 else "") + f" ({c.date})"
                                 for i, c in enumerate(ordered))
    return f"{verdict}By publication date, {steps}. {marks}"
