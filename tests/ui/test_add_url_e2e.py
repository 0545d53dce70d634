"""The chat's "Add by URL" in a real browser: a page fetched from a loopback site, a 404 reported on its own
line, then a question answered from the page with its source linked to the page's canonical URL.

Screenshot: test-output/ui/desktop-add-url.png.
"""

from __future__ import annotations

import pytest

from tests.index.site import Page as SitePage, article_html, serving
from tests.ui.test_browser_e2e import ANSWER_TIMEOUT_MS, OUT, Page, browser  # noqa: F401 (the fixture)

pytestmark = pytest.mark.e2e

STORY = [
    "The Marrow Island lighthouse will be lit again on 1 October after forty years in darkness, the island "
    "trust said on Thursday.",
    "Volunteers spent two winters restoring the lamp room, and a new LED lantern will shine 18 nautical miles "
    "out to sea.",
    "The trust's chair, Aldo Venn, said the light would guide the island's small fishing fleet home.",
]


def test_add_by_url_then_ask(browser, live_app):  # noqa: F811 (pytest passes the imported fixture)
    OUT.mkdir(parents=True, exist_ok=True)
    with serving() as site:
        site.routes["/2026/lighthouse"] = SitePage(article_html(
            "Marrow Island lighthouse to shine again", STORY, site="The Island Courier",
            canonical=site.url("/story/lighthouse")))
        tab = Page(browser, live_app.url, 1280, 1000)
        page = tab.page
        page.locator("#nr-url textarea").fill(f"{site.url('/2026/lighthouse')}\n{site.url('/2026/missing')}")
        page.locator("#nr-url-add").click()
        report = page.locator("#nr-url-report .nr-upload")
        report.wait_for(timeout=ANSWER_TIMEOUT_MS)
        text = report.inner_text()
        assert text.startswith("Added 1, updated 0, unchanged 0. 1 address not indexed:"), text
        assert f"{site.url('/2026/missing')}: HTTP 404 Not Found" in text
        assert page.locator("#nr-url textarea").input_value() == ""
        page.locator("#nr-library", has_text="Marrow Island lighthouse").wait_for()
        report.scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "desktop-add-url.png"))

        bubble = tab.ask("How far out to sea will the Marrow Island lantern shine?")
        assert "18 nautical miles" in bubble.inner_text()
        link = bubble.locator("a.nr-link", has_text="Marrow Island lighthouse").first
        assert link.get_attribute("href") == site.url("/story/lighthouse")
        assert "The Island Courier" in bubble.locator(".nr-meta").first.inner_text()
        page.screenshot(path=str(OUT / "desktop-add-url-answer.png"))
    assert tab.dialogs == []


def test_author_filter_through_the_api(live_app):
    """The Authors filter beside Publishers: the seeds' one byline narrows the answer to its article."""
    import gradio_client

    client = gradio_client.Client(live_app.url, verbose=False)
    authors = ["Eileen Sullivan and Zolan Kanno-Youngs"]
    chat, _, markdown = client.predict("What did López Obrador say about fentanyl?", [], [], [], [], "", "",
                                       authors, api_name="/ask")
    assert "The Boston Globe" in markdown and "**Sources**" in markdown, markdown
    chat, _, _ = client.predict("fentanyl", [], [], [], [], "", "", ["Nobody Atall"], api_name="/ask")
    content = chat[-1]["content"]
    content = "".join(p.get("text", "") for p in content) if isinstance(content, list) else content
    assert "no article by Nobody Atall in the library" in content
