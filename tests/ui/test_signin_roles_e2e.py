"""The chat's own endpoints check the role too: a signed-in reader calling Gradio's `remove` and `add` directly
(the real `gradio_client`) is refused and the library stays as it was; nobody gets in without signing in."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

pytestmark = pytest.mark.e2e


def _article_ids(server) -> list[str]:
    db = sqlite3.connect(server.settings.index_dir / "library.sqlite")
    return [r[0] for r in db.execute("SELECT id FROM articles ORDER BY id")]


def test_a_reader_cannot_remove_or_add_through_the_chats_endpoints(signed_in_server, tmp_path):
    from gradio_client import Client, handle_file

    before = _article_ids(signed_in_server)
    reader = Client(signed_in_server.url, auth=("reader", signed_in_server.passwords["reader"]), verbose=False)
    reader.predict(api_name="/library")  # what the page does on load: the remove list gets its choices
    status = reader.predict(before[0], api_name="/remove")[0]
    assert "may not remove" in status
    note = tmp_path / "note.txt"
    note.write_text("Harbour notes\n\nThe Wexcombe harbour council met on Monday to approve the budget.\n")
    report = reader.predict([handle_file(str(note))], api_name="/add")[0]
    assert "may not add" in report
    assert _article_ids(signed_in_server) == before


def test_nothing_of_the_chat_without_signing_in(signed_in_server):
    assert httpx.get(signed_in_server.url + "config").status_code == 401
    with pytest.raises(Exception):
        from gradio_client import Client

        Client(signed_in_server.url, auth=("reader", "wrong password"), verbose=False)


def test_sign_in_attempts_are_limited_per_user_name(signed_in_server):
    server = signed_in_server

    def sign_in(password: str) -> int:
        return httpx.post(server.url + "login", data={"username": "limited", "password": password},
                          timeout=60).status_code

    assert [sign_in("wrong password") for _ in range(10)] == [400] * 10  # login_rate: 10 a minute
    assert sign_in(server.passwords["limited"]) == 400  # past the limit even the right one is refused
    assert httpx.post(server.url + "login", timeout=60, data={
        "username": "reader", "password": server.passwords["reader"]}).status_code == 200  # another name is not
