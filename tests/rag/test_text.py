"""rag.text.quoted and `Answer.to_markdown`, which prints quotes with it (Copy as Markdown and `rag ask`)."""

from rag.text import quoted
from rag.types import Answer, Citation

SPOKEN = ("“Fortunately, we do not have excessive addictions,” López Obrador said during his news briefing. "
          "“We regret what is happening in the United States. We do not have that.”")


def _answer(quote: str) -> Answer:
    c = Citation(number=1, article_id="a", title="T", source="The Boston Globe", date=None, quote=quote,
                 passage=quote, start=0, end=len(quote), score=1.0)
    return Answer("q", "A. [1]", citations=(c,))


def test_quotes_are_framed_once():
    assert quoted("Mexico processes 140,000\napplications a year.") == "“Mexico processes 140,000 applications a year.”"
    assert quoted(SPOKEN) == SPOKEN  # its own marks frame it
    assert quoted("We do not have that.”") == "“We do not have that.”"  # a sentence that closes a quotation
    assert quoted("“We regret what is happening") == "“We regret what is happening”"
    assert quoted('He called it a "scapegoat" again.') == '“He called it a "scapegoat" again.”'


def test_markdown_never_doubles_the_marks():
    text = _answer(SPOKEN).to_markdown()
    assert "““" not in text and "””" not in text, text
    assert SPOKEN in text
    assert "“Plain words.”" in _answer("Plain words.").to_markdown()


def test_stemming_from_many_threads_equals_stemming_in_one():
    """`query()` runs in concurrent threads; PyStemmer objects are not thread-safe, so each thread must get its own."""
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from rag.text import _stemmer, content_words, porter_stems, stems, support_words

    root = Path(__file__).resolve().parents[2] / "seeds"
    sentences = [line for path in sorted(root.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    assert len(sentences) > 50

    def stem_all(lines):
        return [(porter_stems(content_words(s)), sorted(stems(s)), support_words(s)) for s in lines]

    expected = stem_all(sentences)
    start = threading.Barrier(16)

    def hammer(offset: int):
        start.wait()  # all threads stem at once
        lines = sentences[offset:] + sentences[:offset]
        return [stem_all(lines) for _ in range(3)], offset, (_stemmer("porter"), _stemmer("english"))

    with ThreadPoolExecutor(max_workers=16) as pool:
        runs = list(pool.map(hammer, range(0, 16 * 7, 7)))
    # One stemmer shared by all threads gives the same stems here too (PyStemmer documents no thread safety, and
    # may lose it), so the policy itself, one stemmer per thread and algorithm, is checked as well as its results.
    assert len({id(s) for _, _, used in runs for s in used}) == 2 * 16
    for results, offset, _ in runs:
        for result in results:
            assert result == expected[offset:] + expected[:offset]
