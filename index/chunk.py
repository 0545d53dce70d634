"""Sentence spans and sentence-aware chunks with exact character offsets.

llama-index's SentenceSplitter counts tiktoken tokens and does not keep offsets into
the source text, so a citation could not point at an exact sentence and a chunk could
overflow MiniLM's 256 word pieces. Here chunks are runs of whole sentences measured
with the embedding model's own tokenizer, and every span satisfies
`text[start:end] == chunk.text`.

    >>> from rag.text import split_sentences
    >>> from index.chunk import chunk_article
    >>> text = "Mr. Garland spoke. He left."
    >>> [c.text for c in chunk_article("a", text, split_sentences(text), lambda t: len(t.split()), 5, 0)]
    ['Mr. Garland spoke. He left.']
"""

from __future__ import annotations

import re
from typing import Callable

from rag.text import SentenceSpan
from rag.types import Chunk


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
