"""`/api/v1` with httpx against a real `rag serve`: every route, every role, every refusal; the OpenAPI document."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest

from rag import query
from rag.accounts import Accounts

pytestmark = pytest.mark.e2e

LOPEZ = "What did López Obrador say about fentanyl?"
ARTICLE = ("Wexcombe harbour pier approved\n\nThe Wexcombe harbour council approved the new pier on Monday. "
           "Councillor Ines Varga said the pier would open in the spring of next year.\n")


def _client(server, who: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.keys[who]}"} if who else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=120)


def _library(server) -> tuple:
    """What a refused request must leave as it was: every article id and chunk count, and the audit log."""
    db = sqlite3.connect(server.settings.index_dir / "library.sqlite")
    articles = tuple(db.execute("SELECT a.id, (SELECT COUNT(*) FROM chunks c WHERE c.article_id = a.id) "
                                "FROM articles a ORDER BY a.id"))
    return articles, len(Accounts(server.settings.index_dir).audit_log())


def test_ask_returns_what_query_returns(signed_in_server):
    with _client(signed_in_server, "reader") as http:
        got = http.post("/api/v1/ask", json={"question": LOPEZ, "top_k": 2})
    assert got.status_code == 200, got.text
    expected = query(LOPEZ, top_k=2, index=signed_in_server.settings).to_dict()
    answer = got.json()
    assert answer.pop("timings") and expected.pop("timings")
    assert answer == json.loads(json.dumps(expected))  # tuples as lists, as JSON has them
    assert answer["citations"] and "[1]" in answer["text"]


def test_follow_up_and_filters(signed_in_server):
    with _client(signed_in_server, "reader") as http:
        first = http.post("/api/v1/ask", json={"question": LOPEZ}).json()
        follow = http.post("/api/v1/ask", json={"question": "What did he say about the United States?", "history": [
            {"role": "user", "content": LOPEZ}, {"role": "assistant", "content": first["text"]}]}).json()
        assert "López Obrador" in (follow["resolved_question"] or "")
        none = http.post("/api/v1/ask", json={"question": LOPEZ, "filters": {"date_to": "1990-01-01"}}).json()
        assert none["kind"] != "answered" and not none["citations"]
        kept = http.post("/api/v1/ask", json={"question": LOPEZ, "filters": {"date_to": "1990-01-01",
                                                                           "undated": True}}).json()
        assert kept["kind"] == "answered" and kept["citations"]  # the seeds have no date


def test_articles_paging_and_stats(signed_in_server):
    with _client(signed_in_server, "reader") as http:
        first, rest = (http.get("/api/v1/articles", params={"offset": o, "limit": 2}).json() for o in (0, 2))
        stats = http.get("/api/v1/stats").json()
    assert first["total"] == rest["total"] == stats["articles"] >= 5
    assert len(first["articles"]) == 2 and {a["id"] for a in first["articles"]}.isdisjoint(
        a["id"] for a in rest["articles"])
    assert stats["chunks"] >= stats["articles"] and stats["publishers"] >= 1 and stats["model"]


def test_an_editor_adds_and_removes_and_the_audit_log_says_who(signed_in_server, tmp_path):
    with _client(signed_in_server, "editor") as http:
        added = http.post("/api/v1/articles", files=[("files", ("pier.txt", ARTICLE.encode(), "text/plain"))])
        assert added.status_code == 200, added.text
        (article_id,) = added.json()["added"]
        assert article_id in {a["id"] for a in http.get("/api/v1/articles", params={"limit": 500}).json()["articles"]}
        answer = http.post("/api/v1/ask", json={"question": "When will the Wexcombe pier open?"}).json()
        assert any(c["article_id"] == article_id for c in answer["citations"])
        bad = http.post("/api/v1/articles", data={"urls": ["not a url"]}).json()
        assert bad["added"] == [] and bad["problems"] == [{"input": "not a url", "reason": "not an http(s) URL"}]
        assert http.delete(f"/api/v1/articles/{article_id}").json() == {"removed": article_id}
        gone = http.delete(f"/api/v1/articles/{article_id}")
        assert gone.status_code == 404 and article_id in gone.json()["error"]["message"]
    log = [(e.actor, e.action, e.target) for e in Accounts(signed_in_server.settings.index_dir).audit_log()]
    assert ("editor", "article add", article_id) in log and ("editor", "article remove", article_id) in log


REFUSALS = [
    # (who, method, path, request kwargs, status, words of the message)
    (None, "post", "/api/v1/ask", {"json": {"question": LOPEZ}}, 401, "API key is required"),
    ("wrong", "get", "/api/v1/stats", {}, 401, "not valid"),
    ("reader", "delete", "/api/v1/articles/{some_id}", {}, 403, "may not remove"),
    ("reader", "post", "/api/v1/articles", {"files": [("files", ("x.txt", ARTICLE.encode(), "text/plain"))]}, 403,
     "may not add"),
    ("editor", "post", "/api/v1/ask", {"content": b'{"question": ', "headers": {"Content-Type": "application/json"}},
     422, "not valid JSON"),
    ("editor", "post", "/api/v1/ask", {"json": {"question": ""}}, 422, "question"),
    ("editor", "post", "/api/v1/ask", {"json": {"question": LOPEZ, "top_k": "many"}}, 422, "top_k"),
    ("editor", "post", "/api/v1/articles", {"data": {}}, 422, "give `files`"),
    ("editor", "post", "/api/v1/ask", {"json": {"question": LOPEZ, "history": [{"role": "user",
                                                                                 "content": "x" * 1_100_000}]}},
     413, "larger than"),
    ("editor", "post", "/v1/chat/completions", {"json": {"model": "newsrag", "messages": []}}, 422, "messages"),
]


@pytest.mark.parametrize("who, method, path, kwargs, status, said", REFUSALS,
                         ids=[f"{r[4]}-{r[1]}-{r[2]}" for r in REFUSALS])
def test_refusals_are_one_line_and_change_nothing(signed_in_server, who, method, path, kwargs, status, said):
    kwargs = dict(kwargs)
    before = _library(signed_in_server)
    some_id = before[0][0][0]
    headers = {"Authorization": "Bearer nrk_not-a-key"} if who == "wrong" else {}
    with _client(signed_in_server, who if who in signed_in_server.keys else None) as http:
        got = getattr(http, method)(path.format(some_id=some_id), headers=headers | kwargs.pop("headers", {}),
                                    **kwargs)
    assert got.status_code == status, got.text
    error = got.json()["error"]
    assert said in error["message"] and "\n" not in error["message"] and error["code"] == status
    assert "Traceback" not in got.text
    assert _library(signed_in_server) == before


def test_the_rate_limit_answers_429_with_retry_after(signed_in_server):
    with _client(signed_in_server, "limited") as http:
        codes = [http.get("/v1/models") for _ in range(31)]
    assert [r.status_code for r in codes[:30]] == [200] * 30
    assert codes[30].status_code == 429 and 1 <= int(codes[30].headers["Retry-After"]) <= 60
    assert "too many requests" in codes[30].json()["error"]["message"]
    with _client(signed_in_server, "reader") as http:  # another key is not held up
        assert http.get("/v1/models").status_code == 200


def test_the_openapi_document_is_valid_and_documents_every_route(signed_in_server):
    from openapi_spec_validator import validate

    spec = httpx.get(signed_in_server.url + "openapi.json").json()
    validate(spec)
    assert {"/api/v1/ask", "/api/v1/articles", "/api/v1/articles/{article_id}", "/api/v1/stats",
            "/v1/chat/completions", "/v1/models", "/api/v1/users", "/api/v1/users/{name}",
            "/api/v1/users/{name}/keys"} <= set(spec["paths"])
    assert spec["components"]["schemas"]["AskRequest"]["examples"][0]["question"] == LOPEZ
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    docs = httpx.get(signed_in_server.url + "docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text and "cdn." not in docs.text


def test_no_key_or_password_in_clear_in_the_log_or_the_databases(signed_in_server):
    server = signed_in_server
    stored = b"".join(p.read_bytes() for p in server.settings.index_dir.glob("*.sqlite*"))
    logged = server.log.read_bytes()
    assert b"GET /api/v1/stats" in logged  # the log does record requests
    for secret in [*server.keys.values(), *server.passwords.values()]:
        assert secret.encode() not in stored and secret.encode() not in logged


def test_an_editor_adds_a_web_page_by_url(signed_in_server):
    from tests.index.site import Page, article_html, serving

    story = ["The Marrow Island ferry pier reopened on Tuesday after a winter of repairs.",
             "The harbour master, Odile Brand, said boats would call there twice a day."]
    with serving() as site, _client(signed_in_server, "editor") as http:
        site.routes["/2026/pier"] = Page(article_html("Marrow Island pier reopens", story, site="The Island Courier"))
        added = http.post("/api/v1/articles", data={"urls": [site.url("/2026/pier"), site.url("/2026/missing")]})
        body = added.json()
        assert added.status_code == 200 and len(body["added"]) == 1, body
        assert body["problems"] == [{"input": site.url("/2026/missing"), "reason": "HTTP 404 Not Found"}]
        answer = http.post("/api/v1/ask", json={"question": "Who is the Marrow Island harbour master?"}).json()
        assert any(c["article_id"] == body["added"][0] for c in answer["citations"])
        assert http.delete(f"/api/v1/articles/{body['added'][0]}").status_code == 200


def test_a_chunked_body_past_the_cap_is_refused(signed_in_server):
    before = _library(signed_in_server)

    def chunks():  # no Content-Length: the cap counts the bytes as they come
        yield b'{"question": "' + b"x" * 600_000
        yield b"y" * 600_000 + b'"}'

    with _client(signed_in_server, "editor") as http:
        got = http.post("/api/v1/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert got.status_code == 413 and "larger than" in got.json()["error"]["message"]
    assert _library(signed_in_server) == before
