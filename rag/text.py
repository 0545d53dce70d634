"""Text helpers shared by the write side (`index/`) and the read side (`rag/`).

Kept free of heavy imports: `rag` must not load the ingest pipeline to read.

    >>> fold("López OBRADOR")
    'lopez obrador'
    >>> [(s.start, s.end) for s in split_sentences("Mr. Garland spoke. He left.")]
    [(0, 18), (19, 27)]
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


def fold(text: str) -> str:
    """Lower case without accents: "López" -> "lopez"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def quoted(text: str) -> str:
    """`text` on one line as a quotation, in “…” unless it already begins or ends with a quotation mark of its
    own (an article's “Fortunately, …,” he said. must not read ““Fortunately…””); marks it opens or closes
    without the other half are completed.

        >>> quoted("Mexico processes 140,000 applications.")
        '“Mexico processes 140,000 applications.”'
        >>> quoted("“Fortunately, we do not,” he said.")
        '“Fortunately, we do not,” he said.'
        >>> quoted("We do not have that.”")
        '“We do not have that.”'
        >>> quoted('He called it a "scapegoat" again.')
        '“He called it a "scapegoat" again.”'
    """
    flat = " ".join(text.split())
    depth = unopened = 0
    for c in flat:
        if c in QUOTE_OPENS or (c == '"' and depth == 0):
            depth += 1
        elif c in QUOTE_CLOSES or c == '"':
            depth, unopened = (depth - 1, unopened) if depth else (0, unopened + 1)
    balanced = "“" * unopened + flat + "”" * depth
    framed = balanced[:1] in QUOTE_OPENS + '"' or balanced[-1:] in QUOTE_CLOSES + '"'
    return balanced if balanced and framed else f"“{balanced}”"


QUOTE_OPENS, QUOTE_CLOSES = "“„«", "”»"
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# Titles and abbreviations Punkt's English model misses in news copy ("Gov. J.B. Pritzker").
EXTRA_ABBREVIATIONS = {"gov", "sen", "rep", "gen", "lt", "col", "sgt", "st", "ft", "mt", "rev", "jr", "sr", "mrs", "ms"}


@dataclass(frozen=True)
class SentenceSpan:
    start: int
    end: int
    para: int


@lru_cache(maxsize=1)
def _punkt():
    # llama-index-core ships Punkt's data in its wheel: no download, no NLTK_DATA needed.
    import llama_index.core
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    data = os.path.join(os.path.dirname(llama_index.core.__file__), "_static", "nltk_cache")
    if data not in nltk.data.path:
        nltk.data.path.append(data)
    tokenizer = PunktTokenizer("english")
    tokenizer._params.abbrev_types.update(EXTRA_ABBREVIATIONS)
    return tokenizer


def split_sentences(text: str) -> list[SentenceSpan]:
    """Sentence spans of `text`, paragraph by paragraph (paragraphs are separated by blank lines)."""
    spans: list[SentenceSpan] = []
    starts = [0] + [m.end() for m in PARAGRAPH_BREAK.finditer(text)]
    ends = [m.start() for m in PARAGRAPH_BREAK.finditer(text)] + [len(text)]
    for number, (para_start, para_end) in enumerate(zip(starts, ends)):
        for start, end in _punkt().span_tokenize(text[para_start:para_end]):
            spans.append(SentenceSpan(para_start + start, para_start + end, number))
    return spans
