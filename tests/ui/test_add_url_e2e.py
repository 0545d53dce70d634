"""The chat's "Add by URL" in a real browser: a page fetched from a loopback site, a 404 reported on its own
line, then a question answered from the page with its source linked to the page's canonical URL; and the
Authors filter.

Screenshots: test-output/ui/desktop-add-url.png, desktop-add-url-answer.png, desktop-author-filter.png.
"""

from __future__ import annotations

import pytest

from tests.index.site import Page as SitePage, article_html, serving
from tests.ui.test_browser_e2e import ANSWER_TIMEOUT_MS, OUT, Page

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



def test_author_filter_beside_the_publishers(browser, live_app):  # noqa: F811
    """The Authors filter: the seeds' one byline narrows the answer to its article (The Boston Globe's copy)."""
    tab = Page(browser, live_app.url, 1280, 1000)
    page = tab.page
    page.get_by_text("Filters").first.click()
    page.locator("#nr-authors").get_by_label("Eileen Sullivan and Zolan Kanno-Youngs").check()
    bubble = tab.ask("What did López Obrador say about fentanyl?")
    metas = {bubble.locator(".nr-meta").nth(i).inner_text() for i in range(bubble.locator(".nr-meta").count())}
    assert metas and all(m.startswith("The Boston Globe") for m in metas), metas
    page.screenshot(path=str(OUT / "desktop-author-filter.png"))
    assert tab.dialogs == []
