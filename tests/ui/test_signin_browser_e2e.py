"""Sign-in and roles in a real browser (Debian's chromium via Playwright) against a real `rag serve` with users:
a wrong password is refused, a reader sees no editing controls, an editor uploads, asks and removes, each sees
only their own conversations, sign-out returns to the sign-in page.

Screenshots go to test-output/ui/signin-*.png.
"""

from __future__ import annotations

import pytest

from rag.accounts import Accounts
from rag.settings import REPO_ROOT

pytestmark = pytest.mark.e2e

sync_api = pytest.importorskip("playwright.sync_api")

OUT = REPO_ROOT / "test-output" / "ui"
LOPEZ = "What did López Obrador say about fentanyl?"
ANSWER_TIMEOUT_MS = 120_000
ARTICLE = ("Glenmoor ferry timetable changes\n\nThe Glenmoor ferry will sail twice a day from March, the "
           "operator Tamsin Roe said on Friday. The early crossing leaves the harbour at seven.\n")


def _sign_in(browser, server, name: str, password: str | None = None):
    """A new browser context (its own cookies) on the sign-in page, with the form sent."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(server.url, wait_until="load")
    page.locator("input[type=password]").wait_for()
    page.get_by_role("textbox").first.fill(name)
    page.locator("input[type=password]").fill(password or server.passwords[name])
    page.get_by_role("button", name="Login").click()
    return page


def _signed_in(page) -> None:
    page.locator("#nr-question textarea").wait_for(timeout=60_000)
    page.locator("#nr-whoami").get_by_text("Signed in as").wait_for()


def _ask(page, question: str):
    before = page.locator("#nr-chat .nr-answer").count()
    page.locator("#nr-question textarea").fill(question)
    page.locator("#nr-ask").click()
    done = page.locator("#nr-chat .nr-answer:not(.nr-streaming)").nth(before)
    done.wait_for(timeout=ANSWER_TIMEOUT_MS)
    return done


def _shot(page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"signin-{name}.png"), full_page=True)


def test_a_wrong_password_is_refused_and_reveals_nothing(browser, signed_in_server):
    page = _sign_in(browser, signed_in_server, "editor", "not the password")
    page.get_by_text("Incorrect Credentials", exact=False).wait_for()
    _shot(page, "wrong-password")
    assert page.locator("#nr-question").count() == 0 and page.locator("#nr-library").count() == 0
    unknown = _sign_in(browser, signed_in_server, "nobody", "not the password")
    unknown.get_by_text("Incorrect Credentials", exact=False).wait_for()
    assert unknown.locator("#nr-question").count() == 0


def test_a_reader_asks_but_sees_no_upload_or_remove(browser, signed_in_server):
    page = _sign_in(browser, signed_in_server, "reader")
    _signed_in(page)
    assert "reader" in page.locator("#nr-whoami").inner_text()
    page.locator("#nr-library .nr-library, #nr-library table").first.wait_for()
    assert not page.locator("#nr-files").is_visible() and not page.locator("#nr-add").is_visible()
    assert not page.locator("#nr-remove-row").is_visible() and not page.locator("#nr-url").is_visible()
    answer = _ask(page, LOPEZ)
    assert answer.locator("li.nr-source").count() >= 1
    saved = page.locator("#nr-conversations label", has_text="López Obrador")
    saved.first.wait_for()
    _shot(page, "reader")


def test_an_editor_uploads_asks_removes_and_sees_only_their_conversations(browser, signed_in_server, tmp_path):
    page = _sign_in(browser, signed_in_server, "editor")
    _signed_in(page)
    assert page.locator("#nr-files").is_visible() and page.locator("#nr-remove-row").is_visible()
    assert page.locator("#nr-conversations label", has_text="López Obrador").count() == 0  # the reader's
    path = tmp_path / "glenmoor-ferry.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    page.locator("#nr-files input[type=file]").set_input_files(str(path))
    page.locator("#nr-add").click()
    page.locator("#nr-add-report .nr-upload").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "Added 1" in page.locator("#nr-add-report").inner_text()
    answer = _ask(page, "When does the early Glenmoor ferry leave?")
    assert "Glenmoor" in answer.locator("li.nr-source").first.inner_text()
    page.locator("#nr-conversations label", has_text="Glenmoor").first.wait_for()
    _shot(page, "editor")

    page.locator("#nr-remove-row input").first.click()
    page.get_by_role("option", name="Glenmoor ferry timetable changes").click()
    page.locator("#nr-remove-row button", has_text="Remove").click()
    page.get_by_text("Removed.").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "Glenmoor" not in page.locator("#nr-library").inner_text()

    # reopen the conversation after starting a new one, then delete it
    page.locator("#nr-new").click()
    page.wait_for_function("document.querySelectorAll('#nr-chat .nr-answer').length === 0")
    page.locator("#nr-conversations label", has_text="Glenmoor").first.click()
    page.locator("#nr-chat .nr-answer").first.wait_for()
    page.locator("#nr-delete-conv").click()
    page.wait_for_function("!document.querySelector('#nr-conversations').innerText.includes('Glenmoor')")

    log = [(e.actor, e.action) for e in Accounts(signed_in_server.settings.index_dir).audit_log()]
    assert ("editor", "article add") in log and ("editor", "article remove") in log


def test_sign_out_returns_to_the_sign_in_page(browser, signed_in_server):
    page = _sign_in(browser, signed_in_server, "admin")
    _signed_in(page)
    page.locator("#nr-signout").click()
    page.locator("input[type=password]").wait_for()
    page.goto(signed_in_server.url, wait_until="load")
    page.locator("input[type=password]").wait_for()
    assert page.locator("#nr-question").count() == 0
    _shot(page, "signed-out")
    logged = signed_in_server.log.read_text()
    assert "POST /login" in logged and not any(p in logged for p in signed_in_server.passwords.values())
