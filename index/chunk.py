"""Sentence spans and sentence-aware chunks with exact character offsets.

llama-index's SentenceSplitter counts tiktoken tokens and does not keep offsets into
the source text, so a citation could not point at an exact sentence and a chunk could
overflow MiniLM's 256 word pieces. Here chunks are runs of whole sentences measured
with the embedding model's own tokenizer, and every span satisfies
`text[start:end] == chunk.text`.

    >>> from index.chunk import split_sentences
    >>> [(s.start, s.end) for s in split_sentences("Mr. Garland spoke. He left.")]
    [(0, 18), (19, 27)]
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from rag.types import Chunk

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


def chunk_article(
    article_id: str,
    text: str,
    sentences: list[SentenceSpan],
    count_tokens: Callable[[str], int],
    chunk_size: int,
    chunk_overlap: int,
    id_prefix: str | None = None,
) -> list[Chunk]:
    """Pack consecutive sentences into chunks of at most `chunk_size` tokens.

    The next chunk starts with the last sentences of the previous one, up to
    `chunk_overlap` tokens. A single sentence longer than `chunk_size` is cut at
    word boundaries so that no text is left out of a vector.
    """
    pieces = _fit_pieces(text, sentences, count_tokens, chunk_size)
    prefix = id_prefix or article_id
    chunks: list[Chunk] = []
    i = 0
    while i < len(pieces):
        total, j = 0, i
        while j < len(pieces) and total + pieces[j][2] <= chunk_size:
            total += pieces[j][2]
            j += 1
        start, end = pieces[i][0], pieces[j - 1][1]
        chunks.append(Chunk(f"{prefix}:{len(chunks)}", article_id, len(chunks), text[start:end], start, end))
        if j >= len(pieces):
            break
        # Step back over whole sentences for the overlap, but always move forward.
        back, k = 0, j
        while k - 1 > i and back + pieces[k - 1][2] <= chunk_overlap:
            back += pieces[k - 1][2]
            k -= 1
        i = k
    return chunks


def _fit_pieces(text, sentences, count_tokens, chunk_size) -> list[tuple[int, int, int]]:
    """(start, end, tokens) per sentence, long sentences cut into word runs that fit.

    Token counts add up across neighbouring pieces to within a word piece or two of the
    joined text's count; a safety margin of 2% keeps the joined chunk under the limit.
    """
    budget = int(chunk_size * 0.98)
    pieces = []
    for s in sentences:
        n = count_tokens(text[s.start:s.end])
        if n <= budget:
            pieces.append((s.start, s.end, n))
            continue
        words = [(m.start() + s.start, m.end() + s.start) for m in re.finditer(r"\S+", text[s.start:s.end])]
        run_start = 0
        while run_start < len(words):
            lo, hi = run_start + 1, len(words)
            # Binary search the longest run of words that fits.
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if count_tokens(text[words[run_start][0]:words[mid - 1][1]]) <= budget:
                    lo = mid
                else:
                    hi = mid - 1
            a, b = words[run_start][0], words[lo - 1][1]
            pieces.append((a, b, count_tokens(text[a:b])))
            run_start = lo
    return pieces
