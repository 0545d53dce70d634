"""A real browser (Debian's chromium via Playwright) against the live app: ask, read, expand, upload, escape,
where a new answer shows up, marker clicks, the date filter.

Screenshots go to test-output/ui/ (desktop 1280 px and mobile 390 px wide).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from index import stats
from rag.settings import REPO_ROOT

pytestmark = pytest.mark.e2e

sync_api = pytest.importorskip("playwright.sync_api")

OUT = REPO_ROOT / "test-output" / "ui"
LOPEZ = "What did López Obrador say about fentanyl?"
QUOTE = "denied fentanyl is made in Mexico"
HOSTILE_TITLE = "Harbour council <script>alert(1)</script> approves new pier"
HOSTILE_BODY = "The council met on Monday <img src=x onerror=alert(1)> and approved the Wexcombe pier plan."
ANSWER_TIMEOUT_MS = 120_000


class Page:
    """One browser tab on the app that records every request and fails on any JS dialog."""

    def __init__(self, browser, url: str, width: int, height: int):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url, wait_until="load")
        self.page.locator("#nr-question textarea").wait_for()

    def ask(self, question: str):
        """Type and send `question`; the finished answer bubble (sources or abstention)."""
        bubbles_before = self.page.locator("#nr-chat .nr-answer").count()
        self.page.locator("#nr-question textarea").fill(question)
        self.page.locator("#nr-ask").click()
        done = self.page.locator("#nr-chat .nr-answer:not(.nr-streaming)").nth(bubbles_before)
        done.wait_for(timeout=ANSWER_TIMEOUT_MS)
        return done

    def hosts(self) -> set[str]:
        return {urlparse(u).netloc for u in self.requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}


def _check_lopez_answer(bubble, titles: set[str]) -> None:
    sources = bubble.locator("li.nr-source")
    assert sources.count() >= 1
    listed = {sources.nth(i).locator(".nr-title").inner_text() for i in range(sources.count())}
    assert listed & titles, (listed, titles)  # the NYT story or its Boston Globe reprint
    quoted = bubble.locator("li.nr-source", has=bubble.page.locator("blockquote.nr-quote", has_text=QUOTE)).first
    assert quoted.is_visible()
    assert bubble.locator(f'a.nr-marker[href="#{quoted.get_attribute("id")}"]').count() >= 1  # [n] links to it
    quoted.locator("details summary").click()
    mark = quoted.locator(".nr-passage mark")
    mark.wait_for()
    assert QUOTE in mark.inner_text() and mark.is_visible()
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    mark.evaluate("m => m.scrollIntoView({block: 'center'})")  # for the screenshot
    bubble.page.wait_for_timeout(300)
    top, bottom = bubble.page.locator("#nr-chat").evaluate(
        "c => { const r = c.getBoundingClientRect(); return [r.top, r.bottom]; }")
    box = mark.bounding_box()
    assert top <= box["y"] and box["y"] + box["height"] <= bottom, "the highlighted quote is not in view"


def _lopez_titles(settings) -> set[str]:
    return {a.title for a in stats(settings).articles if a.path and Path(a.path).name[:3] in ("003", "004")}


def test_desktop_ask_expand_upload_and_escape(browser, live_app, tmp_path):
    OUT.mkdir(parents=True, exist_ok=True)
    tab = Page(browser, live_app.url, 1280, 1000)
    page = tab.page
    page.locator("#nr-examples").get_by_text("López Obrador").first.wait_for()  # examples drawn from the library

    bubble = tab.ask(LOPEZ)
    _check_lopez_answer(bubble, _lopez_titles(live_app.settings))
    page.screenshot(path=str(OUT / "desktop-answer.png"))  # the expanded source, highlight in view
    page.screenshot(path=str(OUT / "desktop-page.png"), full_page=True)

    hostile = tmp_path / "pier <b>plan.txt"
    hostile.write_text(f"{HOSTILE_TITLE}\n\n{HOSTILE_BODY}\n\nThe pier will open next spring.\n", encoding="utf-8")
    page.locator("#nr-files input[type=file]").set_input_files(str(hostile))
    page.locator("#nr-add").click()
    page.locator("#nr-add-report .nr-upload").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "Added 1" in page.locator("#nr-add-report").inner_text()
    page.locator("#nr-library", has_text="<script>alert(1)</script>").wait_for()  # shown as text, not run

    bubble = tab.ask("What did the council approve at the Wexcombe pier?")
    assert "onerror=alert(1)" in bubble.inner_text() or "<script>alert(1)</script>" in bubble.inner_text()
    assert page.locator("#nr-chat img[src=x], #nr-library img, #nr-chat script").count() == 0
    page.screenshot(path=str(OUT / "desktop-escaped.png"), full_page=True)

    assert tab.dialogs == [], tab.dialogs  # no alert() ran
    assert tab.hosts() <= {urlparse(live_app.url).netloc}, tab.hosts()  # nothing from the internet


def test_mobile_layout_answer(browser, live_app):
    OUT.mkdir(parents=True, exist_ok=True)
    tab = Page(browser, live_app.url, 390, 844)
    bubble = tab.ask(LOPEZ)
    _check_lopez_answer(bubble, _lopez_titles(live_app.settings))
    width = tab.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
    tab.page.screenshot(path=str(OUT / "mobile-answer.png"))
    tab.page.screenshot(path=str(OUT / "mobile-page.png"), full_page=True)
    assert tab.dialogs == [] and tab.hosts() <= {urlparse(live_app.url).netloc}


def test_the_page_links_the_http_api_docs_not_gradios_footer(browser, live_app):
    tab = Page(browser, live_app.url, 1280, 800)
    page = tab.page
    assert page.get_by_text("Use via API").count() == 0  # Gradio's footer, describing its own event endpoints
    link = page.locator("#nr-intro a", has_text="HTTP API")
    page.goto(link.evaluate("a => a.href"))  # Gradio opens Markdown links in a new tab: follow the href here
    assert urlparse(page.url).path == "/docs", page.url
    page.locator(".swagger-ui .title", has_text="newsrag").wait_for()  # FastAPI's page, served locally
    assert tab.dialogs == [] and tab.hosts() <= {urlparse(live_app.url).netloc}


def test_the_question_shows_as_text_and_loads_nothing(browser, live_app):
    """Markup typed into the question box is the user's text: no image, video or form, no fetch."""
    fetched: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):
            fetched.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bait = f"http://127.0.0.1:{server.server_address[1]}"
    question = (f'<img src="{bait}/u.png"> <video src="{bait}/v.mp4" autoplay></video> '
                f'<form action="{bait}/f"><input name="q"></form> What did Pettersen say?')
    try:
        tab = Page(browser, live_app.url, 1280, 1000)
        tab.ask(question)
        tab.page.wait_for_timeout(500)
        assert fetched == [] and not [u for u in tab.requests if u.startswith(bait)], fetched
        shown = tab.page.locator("#nr-chat .nr-question").last
        assert shown.inner_text() == question
        assert tab.page.locator("#nr-chat img, #nr-chat video, #nr-chat form").count() == 0
        OUT.mkdir(parents=True, exist_ok=True)
        tab.page.screenshot(path=str(OUT / "desktop-question-as-text.png"))
    finally:
        server.shutdown()


def _upload(page, path: Path) -> str:
    """Add `path` through the page; the text of the new upload report."""
    report = "document.querySelector('#nr-add-report .nr-upload')"
    before = page.evaluate(f"() => {report}?.innerText ?? ''")
    page.locator("#nr-files input[type=file]").set_input_files(str(path))
    page.locator("#nr-add").click()
    page.wait_for_function(f"before => ({report}?.innerText ?? before) !== before", arg=before,
                           timeout=ANSWER_TIMEOUT_MS)
    return page.locator("#nr-add-report").inner_text()


def test_two_files_of_one_name_are_two_articles_and_the_earlier_one_can_be_replaced(browser, live_app, tmp_path):
    first, second = tmp_path / "a" / "notes.txt", tmp_path / "b" / "notes.txt"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text("Glimmerford library extends its hours\n\nThe Glimmerford library will open until 9 pm on "
                     "weekdays from March, librarian Osk Varga said on Monday.\n", encoding="utf-8")
    second.write_text("Wexcombe market moves to the quay\n\nThe Wexcombe Saturday market moves to the quay in "
                      "April, the harbour board announced on Tuesday.\n", encoding="utf-8")
    tab = Page(browser, live_app.url, 1280, 1000)
    page = tab.page
    assert "Added 1," in _upload(page, first)
    page.locator("#nr-library", has_text="Glimmerford library extends its hours").wait_for()
    report = _upload(page, second)
    assert "Added 1, updated 0" in report and "both are kept" in report, report
    page.locator("#nr-library", has_text="Wexcombe market moves to the quay").wait_for()
    assert page.locator("#nr-library", has_text="Glimmerford library extends its hours").count() == 1
    titles = {a.title for a in stats(live_app.settings).articles}
    assert {"Glimmerford library extends its hours", "Wexcombe market moves to the quay"} <= titles
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "desktop-same-name.png"), full_page=True)

    replace = page.locator("#nr-replace")
    assert replace.is_visible() and "Replace the earlier file of that name" in replace.inner_text()
    replace.click()
    page.locator("#nr-add-report", has_text="Replaced").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.locator("#nr-library", has_text="Glimmerford library extends its hours").wait_for(state="detached")
    titles = {a.title for a in stats(live_app.settings).articles}
    assert "Wexcombe market moves to the quay" in titles and "Glimmerford library extends its hours" not in titles
    kept = list((Path(live_app.settings.index_dir) / "uploads").rglob("notes.txt"))
    assert [p.read_text(encoding="utf-8") for p in kept] == [second.read_text(encoding="utf-8")]
    assert not replace.is_visible() and tab.dialogs == []


SIZES = {"desktop": (1280, 900), "mobile": (390, 844)}
FIRST_LINE_IN_VIEW = """bubble => {
  const p = bubble.querySelector("p") || bubble;
  const r = p.getBoundingClientRect(), line = parseFloat(getComputedStyle(p).lineHeight) || 24;
  const log = document.querySelector("#nr-chat [role=log]").getBoundingClientRect();
  return r.top >= Math.max(0, log.top) && r.top + line <= Math.min(innerHeight, log.bottom);
}"""


def _first_line_in_view(bubble) -> bool:
    """The answer's first line is inside both the window and the chat's visible area."""
    return bubble.evaluate(FIRST_LINE_IN_VIEW)


def _wait_first_line_in_view(bubble, what: str) -> None:
    try:  # the chat scrolls on the next animation frame after the answer is drawn
        bubble.page.wait_for_function(f"b => ({FIRST_LINE_IN_VIEW})(b)", arg=bubble.element_handle(), timeout=2000)
    except sync_api.TimeoutError:
        raise AssertionError(f"{what}: the answer's first line is not in view") from None


def _overlays_outside_messages(page) -> None:
    """The Chat label and the chat's buttons sit above the scrolling messages, never over them."""
    boxes = page.evaluate("""() => {
      const log = document.querySelector("#nr-chat [role=log]").getBoundingClientRect();
      const sel = "#nr-chat > .wrapper > label, #nr-chat .top-panel, #nr-chat .scroll-down-button-container";
      return {log: [log.top, log.left, log.right], overlays: [...document.querySelectorAll(sel)].map(el => {
        const r = el.getBoundingClientRect();
        return [el.className, r.top, r.bottom, r.left, r.right, r.width * r.height];
      })};
    }""")
    log_top = boxes["log"][0]
    assert any("float" in o[0] for o in boxes["overlays"]), boxes  # the Chat label is among them
    for name, top, bottom, left, right, area in boxes["overlays"]:
        assert area == 0 or bottom <= log_top + 0.5, f"{name} covers the messages: {boxes}"


@pytest.mark.parametrize("size", SIZES)
def test_new_answer_starts_in_view_and_markers_scroll_the_chat_only(browser, live_app, size):
    OUT.mkdir(parents=True, exist_ok=True)
    tab = Page(browser, live_app.url, *SIZES[size])
    page = tab.page
    bubble = tab.ask(LOPEZ)
    _wait_first_line_in_view(bubble, "first answer")
    page.screenshot(path=str(OUT / f"{size}-new-answer.png"))

    # A click on the last marker scrolls the chat to that source, not the page, and leaves the URL alone.
    url, page_y = page.url, page.evaluate("scrollY")
    marker = bubble.locator("a.nr-marker").last
    marker.click()
    source = page.locator(f'#{marker.get_attribute("href")[1:]}')
    page.wait_for_function("el => el.classList.contains('nr-picked')", arg=source.element_handle(), timeout=2000)
    page.wait_for_timeout(200)
    assert page.url == url and "#" not in page.url
    assert page.evaluate("scrollY") == page_y, "the marker scrolled the whole page"
    top, bottom = page.locator("#nr-chat [role=log]").evaluate(
        "c => { const r = c.getBoundingClientRect(); return [r.top, r.bottom]; }")
    box = source.bounding_box()
    assert top <= box["y"] < bottom - 20, "the source is not in the chat's view"
    assert not _first_line_in_view(bubble)  # the reader has scrolled away from the answer
    _overlays_outside_messages(page)
    page.screenshot(path=str(OUT / f"{size}-after-marker.png"))

    # The next answer still arrives in view, with its question above it.
    second = tab.ask("What did Garland say about fentanyl?")
    _wait_first_line_in_view(second, "answer after a marker click")
    question = page.locator("#nr-chat .message-row.user-row").last
    assert question.bounding_box()["y"] >= top - 1, "the question scrolled out above the chat"
    _overlays_outside_messages(page)
    page.screenshot(path=str(OUT / f"{size}-second-answer.png"))
    assert tab.dialogs == [] and tab.hosts() <= {urlparse(live_app.url).netloc}


def test_date_filter_over_undated_articles_says_what_it_left_out(browser, live_app):
    OUT.mkdir(parents=True, exist_ok=True)
    tab = Page(browser, live_app.url, *SIZES["desktop"])
    page = tab.page
    page.get_by_text("Filters").click()
    page.get_by_label("From (YYYY-MM-DD)").fill("2023-10-01")
    bubble = tab.ask(LOPEZ)
    articles = stats(live_app.settings).articles  # the seeds, undated, and any dated page another test added
    undated = sum(not a.date for a in articles)
    text = bubble.inner_text()
    assert "Not found in your articles" in text
    assert f"left out {undated} of {len(articles)} articles: {undated} have no date" in text, text
    _wait_first_line_in_view(bubble, "abstention")
    page.screenshot(path=str(OUT / "desktop-date-filter.png"))
    # The reader can keep undated articles in the range: the same question is answered from them.
    page.get_by_label("Also articles with no date").check()
    answered = tab.ask(LOPEZ)
    assert QUOTE in answered.inner_text() and "left out" not in answered.inner_text()
    page.screenshot(path=str(OUT / "desktop-date-filter-undated.png"))


def test_time_words_in_a_question_show_what_was_searched(browser, live_app):
    OUT.mkdir(parents=True, exist_ok=True)
    tab = Page(browser, live_app.url, *SIZES["desktop"])
    bubble = tab.ask("What did López Obrador say about fentanyl in October 2023?")
    undated = sum(not a.date for a in stats(live_app.settings).articles)  # the seeds have no date: kept in
    searched = bubble.locator(".nr-searched")
    assert searched.inner_text() == ('Searched articles published 2023-10-01 to 2023-10-31 ("in October 2023"). '
                                     f"{undated} articles with no date searched too.")
    assert QUOTE in bubble.inner_text()
    _wait_first_line_in_view(bubble, "answer")
    tab.page.screenshot(path=str(OUT / "desktop-time-words.png"))
