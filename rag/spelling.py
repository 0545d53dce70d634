"""The library's spelling of a name a question writes one slip away: "Blinkin" -> "Blinken", "Obradr" -> "Obrador".

A question that relies on a name no article holds is answered "not found" (`Assistant`'s unknown-name check). When
exactly one name of the articles is one slip from it (a letter changed, added, dropped, or two swapped: optimal
string alignment distance 1, computed by rapidfuzz) the question is asked with the library's spelling instead, and
the answer says so. The candidate must be written with a capital in the articles (a name, not "sunk" for "Sunak"),
and must be the only one that close: two names one slip away ("Kapor", "Kapur" for "Kapoor") leave the question
as written.

    found = library_spelling(library.connect(), "Blinkin")   # "Blinken", or None
"""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import OSA

from rag.store import chunk_rows
from rag.text import fold, keyword_tokens

# Shortest name repaired (`python -m bench.respell`, 2026-12-03, table in bench/results.md). Names of the gold
# questions and MultiHop-RAG dev misspelt three ways each, on the MultiHop-RAG index (609 articles): from 5
# letters 2,013 of 3,292 slips come back right, 48 as another name, and 20 of the 104 names no article holds are
# turned into one; from 6, 1,604 / 14 / 12; from 7, 1,077 / 0 / 3. A confident answer about someone else misleads
# (the gate counts it twice a miss), so 7. On the seeds index no slip comes back wrong at any length.
MIN_LENGTH = 7
MAX_SLIPS = 1
WORD = re.compile(r"[^\W\d_][\w'’\-]*")


def library_spelling(db, word: str) -> str | None:
    """How the articles write the one name a slip away from `word`; None when `word` is short, when no indexed
    name or several are that close."""
    word = re.sub(r"['’]s$", "", word)
    tokens = keyword_tokens(word)
    if len(tokens) != 1 or len(word) < MIN_LENGTH or not word.isalpha():
        return None
    term = tokens[0]
    vocabulary = db.terms_starting(term[0])
    close = [t for t, _, _ in process.extract(term, list(vocabulary), scorer=OSA.distance, score_cutoff=MAX_SLIPS,
                                               limit=None)]
    written = {w for w in (_written_as_name(db, t) for t in close) if w}
    written = {w for w in written if OSA.distance(fold(word), fold(w)) <= MAX_SLIPS}
    return written.pop() if len(written) == 1 else None


def _written_as_name(db, term: str) -> str | None:
    """A capitalised word of the articles whose keyword term is `term` ("Blinken" for "blinken"), or None when
    they write it only in lower case (a common word, not a name)."""
    ids = db.keyword_search([term], None, 5)
    for row in chunk_rows(db, ids).values():
        for w in WORD.findall(row["text"]):
            w = re.sub(r"['’]s$", "", w)
            if w[0].isupper() and keyword_tokens(w) == [term]:
                return w
    return None
