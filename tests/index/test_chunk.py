from pathlib import Path

import pytest

from index.chunk import chunk_article
from rag.text import split_sentences
from rag.embedder import load_embedder

SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def count_tokens():
    return load_embedder().count_tokens


def test_sentences_keep_abbreviations_together():
    text = "But Mr. López Obrador has denied it. U.S. officials said, however, that it is.\n\nGov. J.B. Pritzker wrote."
    sentences = [text[s.start:s.end] for s in split_sentences(text)]
    assert sentences == [
        "But Mr. López Obrador has denied it.",
        "U.S. officials said, however, that it is.",
        "Gov. J.B. Pritzker wrote.",
    ]
    assert [s.para for s in split_sentences(text)] == [0, 0, 1]


@pytest.mark.e2e  # the real model's tokenizer and weights (count_tokens)
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_chunk_offsets_are_exact_and_fit_the_model(seed, count_tokens):
    text = seed.read_text(encoding="utf-8")
    sentences = split_sentences(text)
    chunks = chunk_article("a", text, sentences, count_tokens, chunk_size=120, chunk_overlap=30)
    assert chunks, "every article gives at least one chunk"
    for c in chunks:
        assert text[c.start:c.end] == c.text
        assert count_tokens(c.text) <= 120
    # Every sentence is inside some chunk: nothing is left out of a vector.
    for s in sentences:
        assert any(c.start <= s.start and s.end <= c.end for c in chunks) or any(
            c.start < s.end and s.start < c.end for c in chunks)
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(i in covered for s in sentences for i in range(s.start, s.end))


@pytest.mark.e2e
def test_overlap_repeats_whole_sentences(count_tokens):
    text = " ".join(f"Sentence number {i} is about fentanyl and firearms." for i in range(40))
    chunks = chunk_article("a", text, split_sentences(text), count_tokens, chunk_size=60, chunk_overlap=15)
    assert len(chunks) > 3
    for left, right in zip(chunks, chunks[1:]):
        assert right.start < left.end, "consecutive chunks overlap"
        assert text[right.start:left.end].startswith("Sentence number"), "overlap starts at a sentence boundary"


@pytest.mark.e2e
def test_a_sentence_longer_than_the_window_is_cut_not_truncated(count_tokens):
    text = "word " * 600 + "end."
    chunks = chunk_article("a", text.strip(), split_sentences(text.strip()), count_tokens, chunk_size=100, chunk_overlap=0)
    assert len(chunks) >= 6
    assert all(count_tokens(c.text) <= 100 for c in chunks)
    assert chunks[-1].text.endswith("end.")
