"""Text helpers shared by the write side (`index/`) and the read side (`rag/`): folding, stop words, content
words, stemming, quoting and sentence splitting. The one home of word normalisation.

Kept free of heavy imports: `rag` must not load the ingest pipeline to read.

Three stemmers, each matching what it is compared with: `porter_stems` gives the keys of FTS5's `porter`
vocabulary (the keyword index), `stems` the Snowball English stems evidence selection scores with, and
`support_words` the one-suffix stems of the LLM citation check (`rag.llm.supported`). PyStemmer objects are not
thread-safe and `query()` runs in concurrent threads, so each thread gets its own stemmer per algorithm (each
with PyStemmer's own word cache, private to that thread).

    >>> fold("López OBRADOR")
    'lopez obrador'
    >>> content_words("What did Mr. López Obrador say about fentanyl?")
    ['lopez', 'obrador', 'fentanyl']
    >>> sorted(stems("Cartels denied making fentanyl"))
    ['cartel', 'deni', 'fentanyl', 'make']
    >>> [(s.start, s.end) for s in split_sentences("Mr. Garland spoke. He left.")]
    [(0, 18), (19, 27)]
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

# Words that carry no meaning for retrieval and evidence selection (English function words, speech verbs,
# honorifics).
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here hers
    herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves say said says tell told mr mrs ms dr else
    many much""".split()
)
# The LLM citation check's stop words: "according" is the attribution a written answer adds; "many", "much",
# "else" and "tell" are words of the answer's claim there.
SUPPORT_STOPWORDS = STOPWORDS - {"else", "many", "much", "tell"} | {"according"}
WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without accents: "López" -> "lopez"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fast_fold(text: str) -> str:
    """`fold`, with a shortcut for plain ASCII text (most of it)."""
    return text.lower() if text.isascii() else fold(text)


def content_words(text: str) -> list[str]:
    """Folded words of `text` that carry meaning, in order, without repeats."""
    seen: dict[str, None] = {}
    for w in WORD.findall(fast_fold(text)):
        if w not in STOPWORDS and (len(w) > 1 or w.isdigit()):
            seen.setdefault(w, None)
    return list(seen)


_stemmers = threading.local()


def _stemmer(algorithm: str):
    """This thread's PyStemmer for `algorithm` ("porter", "english"); PyStemmer objects are not thread-safe."""
    by_algorithm = getattr(_stemmers, "by_algorithm", None)
    if by_algorithm is None:
        by_algorithm = _stemmers.by_algorithm = {}
    stemmer = by_algorithm.get(algorithm)
    if stemmer is None:
        import Stemmer  # PyStemmer, installed with llama-index-retrievers-bm25

        stemmer = by_algorithm[algorithm] = Stemmer.Stemmer(algorithm)
    return stemmer


def porter_stems(words: Sequence[str]) -> list[str]:
    """The stems FTS5's `porter` tokenizer stores for `words` (already folded): the keys of its vocabulary."""
    return _stemmer("porter").stemWords(list(words))


# FTS5's `porter` tokenizer leaves tokens shorter or longer than these (in bytes) as they are (fts5_tokenize.c).
PORTER_MIN, PORTER_MAX = 3, 64
ASCII_TOKEN = re.compile(r"[a-z0-9]+")
_char_folds: dict[str, str | None] = {}  # non-ASCII character -> what FTS5 makes of it (None: a separator)


def keyword_tokens(text: str) -> list[str]:
    """The terms, in order and repeated, that SQLite's keyword index (FTS5, `porter unicode61 remove_diacritics 2`)
    makes of `text`, so that PostgreSQL's keyword index (`rag.store_postgres`) holds and ranks the same terms.

    ASCII is split and lower-cased here; how FTS5 treats each other character (a letter to fold, "é" -> "e", or a
    separator, "™") is asked of SQLite's own tokenizer once (`rag.store.fts5_char_folds`). The stems are Martin
    Porter's reference stemmer, which FTS5's `porter` is ("technology" -> "technolog"; the Snowball "porter" of
    `porter_stems` says "technologi"): on 300 MultiHop-RAG chunks every term then equals FTS5's.

        >>> keyword_tokens("López Obrador's cartels")
        ['lopez', 'obrador', 's', 'cartel']
    """
    if text.isascii():
        words = ASCII_TOKEN.findall(text.lower())
    else:
        unknown = set(text) - _char_folds.keys()
        if unknown:
            from rag.store import fts5_char_folds

            _char_folds.update(fts5_char_folds([c for c in unknown if not c.isascii()]))
        words = text.translate({ord(c): _keyword_char(c) for c in set(text)}).split()
    return [_reference_porter(w) if PORTER_MIN <= len(w.encode()) <= PORTER_MAX else w for w in words]


def _keyword_char(c: str) -> str:
    """What a character becomes in a keyword token: itself lower-cased, its FTS5 fold, or a space (a separator)."""
    if c.isascii():
        return c.lower() if c.isalnum() else " "
    fold = _char_folds[c]
    return " " if fold is None else fold


@lru_cache(maxsize=200_000)
def _reference_porter(word: str) -> str:
    return _martin_porter().stem(word, to_lowercase=False)


@lru_cache(maxsize=1)
def _martin_porter():
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer(PorterStemmer.MARTIN_EXTENSIONS)


def english_stems(words: Sequence[str]) -> list[str]:
    """Snowball English stems of `words` (already folded)."""
    return _stemmer("english").stemWords(list(words))


def stems(text: str) -> set[str]:
    """Stemmed (Snowball English) content words of `text`, accent and case folded."""
    return set(english_stems(content_words(text)))


def support_words(text: str) -> list[str]:
    """The LLM citation check's words of `text`: folded, without its stop words or numbers, `suffix_stem`med."""
    return [suffix_stem(w) for w in WORD.findall(fold(text)) if w not in SUPPORT_STOPWORDS and not w.isdigit()]


def suffix_stem(word: str) -> str:
    """One suffix off, then a final e: 'denies', 'denied', 'deny' -> 'deni'; 'uses', 'used', 'using' -> 'us'."""
    for suffix, replacement in (("ing", ""), ("ies", "i"), ("ied", "i"), ("ed", ""), ("s", ""), ("y", "i")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + replacement
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


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
