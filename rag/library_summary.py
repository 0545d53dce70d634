"""What a library covers, said from its own articles: the topics, who is quoted in it and on what, and one line.

Used for "not found" answers ("They cover: ...") and for the chat's example questions.

    summary = describe_library(open_library(settings).connect())
    summary.line     # '5 articles from AFP, The Boston Globe, The New York Times and others, 2023-10-04 to ...'
    summary.people   # (PersonTopic(person='Andrés Manuel López Obrador', topic='fentanyl'), ...)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from rag.evidence import load_sentences
from rag.speakers import TITLES, name_tokens
from rag.store import count_articles, latest_articles
from rag.text import content_words, stems

# Articles scanned for quoted people (the latest): a fair sample that keeps the description under a second or two.
SPEAKER_SAMPLE = 50
# Articles whose titles give the topics (the latest).
TOPIC_SAMPLE = 400
# Headline words that are not topics.
GENERIC_TITLE_WORDS = frozenset(
    """seek seeks meet meets discuss talks says amid leaders top new news update report best week live game games
    deals deal review today first more year years time latest""".split()
)


@dataclass(frozen=True)
class PersonTopic:
    """A person quoted in the library and the topic they spoke about most, as it reads after "say about"."""

    person: str
    topic: str


@dataclass(frozen=True)
class LibrarySummary:
    """`describe_library`: top topics (as objects of "about"), people with their topic, and a one-line summary."""

    topics: tuple[str, ...]
    people: tuple[PersonTopic, ...]
    line: str


def describe_library(db) -> LibrarySummary:
    """Describe the library behind the connection `db` (see the module docstring)."""
    rows = latest_articles(db, TOPIC_SAMPLE)
    n = count_articles(db)
    # Topics: title words written in lower case in the text (common nouns, not places or names), one per
    # stem ("drug" and "drugs" are one topic), in the form the text uses most.
    title_words = Counter(w for r in rows for w in set(content_words(r.title)) if len(w) > 3 and not w.isdigit())
    texts = [r.text for r in rows[:SPEAKER_SAMPLE]]
    lowered = Counter(w for t in texts for w in re.findall(r"\b[a-z]{4,}\b", t))
    by_stem: dict[str, Counter] = {}
    for w, titles in title_words.items():
        if w in lowered and w not in GENERIC_TITLE_WORDS:
            by_stem.setdefault(_stem(w), Counter())[w] += titles
    ranked = sorted(by_stem.values(), key=lambda forms: (-sum(forms.values()), min(forms)))  # ties: a-z
    topics = [max(forms, key=lambda w: (lowered[w], forms[w])) for forms in ranked][:12]
    sample = rows[:SPEAKER_SAMPLE]
    sentences = load_sentences(db, [r.id for r in sample], {r.id: r.text for r in sample})
    people: Counter = Counter()
    forms: dict[str, Counter] = {}
    said_words: dict[str, Counter] = {}
    for sents in sentences.values():
        for s in sents:
            for sp in s.speakers:
                tokens = name_tokens(sp.name)
                if not tokens:
                    continue
                key = tokens[-1]
                people[key] += 1
                words = [w for w in sp.name.split() if not re.fullmatch(r"[A-Z]\.", w)
                         and w.lower().rstrip(".") not in TITLES]
                forms.setdefault(key, Counter())[" ".join(words[-2:])] += 1
                said_words.setdefault(key, Counter()).update({_stem(w) for w in content_words(s.text)})
    pairs = []
    for key, _ in people.most_common(8):
        form = max(forms[key].items(), key=lambda kv: (len(kv[0].split()) >= 2, sum(not c.isascii() for c in kv[0]), kv[1]))[0]
        counts = {w: said_words[key][_stem(w)] for w in topics}
        topic = max(topics, key=counts.get, default=None)
        if topic and counts[topic] >= 2:  # the person really spoke about it
            pairs.append(PersonTopic(form, as_object(topic, lowered, texts)))
    sources = [s for s, _ in Counter(r.source for r in rows if r.source).most_common(3)]
    dates = sorted(r.date for r in rows if r.date)
    line = f"{n} article{'s' if n != 1 else ''}"
    if sources:
        line += " from " + ", ".join(sources) + (" and others" if len(sources) >= 3 else "")
    if dates:
        line += f", {dates[0]} to {dates[-1]}"
    if topics:
        line += "; topics include " + ", ".join(topics[:5])
    if pairs:
        line += "; people quoted include " + ", ".join(p.person for p in pairs[:5])
    return LibrarySummary(tuple(as_object(t, lowered, texts) for t in topics), tuple(pairs), line + ".")


def _stem(word: str) -> str:
    return next(iter(stems(word)), word)


def as_object(topic: str, counts: Counter, texts: Sequence[str]) -> str:
    """`topic` as it reads after "say about": the plural when the articles use one ("floods"), "the flood"
    when they mostly write it after an article or demonstrative, else as is ("migration", "fentanyl").

        >>> as_object("flood", Counter({"flood": 3}), ["The flood hit. The flood receded. A flood wall."])
        'the flood'
    """
    for plural in (topic + "s", topic + "es", topic[:-1] + "ies" if topic.endswith("y") else ""):
        if plural != topic and counts[plural]:
            return plural
    determined = sum(len(re.findall(rf"\b(?:the|a|an|this|that)\s+{re.escape(topic)}\b", t, re.IGNORECASE))
                     for t in texts)
    return f"the {topic}" if determined * 2 > counts[topic] else topic
