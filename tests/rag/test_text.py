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
