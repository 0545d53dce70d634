"""ui.render: escaping, [n] links, abstentions and errors, without a server."""

from rag.types import Answer, Citation, SyndicatedCopy
from ui import render

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)>"


def _citation(n: int, quote: str, passage: str, **kw) -> Citation:
    fields = dict(number=n, article_id=f"a{n}", title=f"Title {n}", source="The Paper", date="2023-10-05",
                  quote=quote, passage=passage, start=0, end=len(quote), score=0.5)
    fields.update(kw)
    return Citation(**fields)


def test_markers_link_to_numbered_sources_and_quote_is_marked_in_passage():
    quote = "He denied it."
    answer = Answer("q", "First [1]. Second [2]. Unknown [9].",
                    citations=(_citation(1, quote, f"Before. {quote} After."), _citation(2, "Two.", "Two.")))
    out = render.answer_html(answer, uid="u1")
    assert '<a class="nr-marker" href="#nr-u1-1"' in out and 'href="#nr-u1-2"' in out
    assert 'id="nr-u1-1"' in out and 'id="nr-u1-2"' in out
    assert "Unknown [9]" in out  # a marker without a citation stays plain text
    assert f"Before. <mark>{quote}</mark> After." in out
    assert "\n\n" not in out  # one raw HTML block for the Chatbot's Markdown renderer


def test_everything_from_articles_and_users_is_escaped():
    c = _citation(1, HOSTILE, f"x {HOSTILE} y", title=HOSTILE, source=HOSTILE,
                  also_in=(SyndicatedCopy("b", HOSTILE, HOSTILE, None, 0, 1),))
    out = render.answer_html(Answer(HOSTILE, f"{HOSTILE} [1]", citations=(c,)), uid="u")
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    for html_out in (render.answer_html(Answer("q", HOSTILE, abstained=True), uid="u"),
                     render.answer_html(Answer("q", "", abstained=True, error=HOSTILE), uid="u"),
                     render.upload_report_html(0, 0, 0, [(HOSTILE, HOSTILE)]),
                     render.status_html(HOSTILE)):
        assert "<script" not in html_out and "<img" not in html_out


def test_abstention_and_error_never_empty_and_look_different():
    abstained = render.answer_html(Answer("q", "", abstained=True), uid="u", coverage="Mexico, migration")
    assert "nr-abstained" in abstained and render.NOT_FOUND in abstained and "Mexico, migration" in abstained
    error = render.answer_html(Answer("q", "", abstained=True, error="built with another model"), uid="u")
    assert "nr-error" in error and "another model" in error


def test_quote_missing_from_passage_is_still_shown_marked():
    out = render.answer_html(Answer("q", "A [1].", citations=(_citation(1, "Quote.", "Other text."),)), uid="u")
    assert "<mark>Quote.</mark>" in out and "Other text." in out


def test_not_stated_answers_have_their_own_calm_look_and_list_the_closest_passages():
    from rag.types import NOT_STATED_LEAD

    answer = Answer("q", f"{NOT_STATED_LEAD} The pier opens in May. [1]", kind="not_stated",
                    citations=(_citation(1, "The pier opens in May.", "The pier opens in May."),))
    out = render.answer_html(answer, uid="u3")
    assert 'class="nr-answer nr-not-stated"' in out and "Not stated directly in your articles." in out
    assert "Closest passages" in out and NOT_STATED_LEAD not in out and 'href="#nr-u3-1"' in out
    assert "nr-abstained" not in out


def test_the_words_that_answer_are_marked_inside_the_quote():
    quote = "The port handled <b>1.2 million</b> containers."
    at = quote.index("1.2")
    c = _citation(1, quote, quote, highlight=(at - 3, at + 15))
    out = render.answer_html(Answer("How many containers?", "x [1]", citations=(c,)), uid="u4")
    assert 'handled <mark class="nr-hl">&lt;b&gt;1.2 million&lt;/b&gt;</mark> containers' in out  # escaped too


def test_the_question_is_text():
    out = render.question_html(f"{HOSTILE}\n\n<video src=v autoplay></video> What did he say?")
    assert "<script" not in out and "<img" not in out and "<video" not in out
    assert "&lt;video src=v autoplay&gt;&lt;/video&gt; What did he say?" in out
    assert "\n" not in out  # one raw HTML block: no blank line lets Markdown in


def test_an_upload_report_says_which_files_share_an_earlier_name():
    out = render.upload_report_html(1, 0, 0, [], [("notes.txt", HOSTILE)])
    assert "<code>notes.txt</code> is a different file from the earlier <code>notes.txt</code>" in out
    assert "both are kept" in out and "<script" not in out


def test_library_tags_only_the_given_copies():
    from types import SimpleNamespace

    rows = [SimpleNamespace(id=i, title=f"T{i}", source=None, date=None, group="g", chunks=1) for i in ("a", "b")]
    out = render.library_html(rows, 2, 2, "m", copies={"b"})
    assert out.count("nr-copy-tag") == 1 and out.index("Tb") < out.index("nr-copy-tag")


def test_a_source_links_its_web_address_and_names_its_pdf_page():
    web = _citation(1, "One.", "One.", url='https://ledger.example/story/pier?a=1&b="2"')
    pdf = _citation(2, "Two.", "Two.", page=3)
    sneaky = _citation(3, "Three.", "Three.", url="javascript:alert(1)")
    out = render.answer_html(Answer("q", "One [1]. Two [2]. Three [3].", citations=(web, pdf, sneaky)), uid="u")
    assert ('<a class="nr-link" href="https://ledger.example/story/pier?a=1&amp;b=&quot;2&quot;" '
            'target="_blank" rel="noopener noreferrer"><cite class="nr-title">Title 1</cite></a>') in out
    assert '<span class="nr-meta">The Paper · 2023-10-05 · p. 3</span>' in out
    assert "javascript:" not in out
