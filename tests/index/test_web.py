"""index.web against a real HTTP server on loopback: extraction with metadata, the polite client's rules, and a
one-line reason for every kind of bad page. No model: these run in the fast lane."""

from __future__ import annotations

import time

import pytest

from index.load import FileProblem, RawDocument
from index.web import Fetcher, decode_html, fetch_document, read_url_list
from rag.settings import Settings
from tests.index.site import Page, article_html, serving

STORY = [
    "The Gullport harbour council voted seven to two on Tuesday to rebuild the north pier, which winter "
    "storms left unsafe for the fishing fleet.",
    "The work will cost 4.2 million crowns and should finish before the autumn herring season, said the "
    "council chair, Ines Barrow.",
    "Skippers had asked for the repair since January, when a section of decking collapsed under a loaded cart.",
]


def settings(**changes) -> Settings:
    return Settings.load(environ={}, overrides={"fetch_delay": 0, "fetch_timeout": 2, **changes})


def fetch(site_url: str, **changes) -> RawDocument | FileProblem:
    with Fetcher(settings(**changes)) as fetcher:
        return fetch_document(fetcher, site_url)


@pytest.fixture
def site():
    with serving() as s:
        yield s


def test_article_page_gives_main_text_and_metadata(site):
    site.routes["/news/pier?utm_source=feed"] = Page(article_html(
        "Harbour council votes to rebuild the north pier", STORY,
        canonical=site.url("/news/pier")))
    doc = fetch(site.url("/news/pier?utm_source=feed"))
    assert isinstance(doc, RawDocument), doc
    assert doc.title == "Harbour council votes to rebuild the north pier"
    assert (doc.source, doc.author, doc.date) == ("The Gullport Ledger", "Mara Quill", "2026-03-04")
    assert doc.url == site.url("/news/pier"), "the canonical URL"
    assert doc.path == doc.source_key == site.url("/news/pier?utm_source=feed"), "identity: the fetched URL"
    for sentence in STORY:
        assert sentence in doc.text
    for furniture in ("cookies", "Ferry timetable", "newsletter", "Copyright", "TRACKING_TOKEN", "Sport"):
        assert furniture not in doc.text
    agent = site.hits("/news/pier?utm_source=feed")[0]["user-agent"]
    assert agent.startswith("newsrag/")


def test_redirects_are_followed_to_the_final_address(site):
    site.routes["/old"] = Page(status=301, headers={"Location": "/moved"})
    site.routes["/moved"] = Page(status=302, headers={"Location": site.url("/story")})
    site.routes["/story"] = Page(article_html("Pier vote", STORY))
    doc = fetch(site.url("/old"))
    assert isinstance(doc, RawDocument) and doc.source_key == site.url("/story")


@pytest.mark.parametrize("routes,start,reason", [
    ({"/a": "/b", "/b": "/a"}, "/a", "redirect loop"),
    ({f"/r{i}": f"/r{i + 1}" for i in range(8)}, "/r0", "more than 5 redirects"),
])
def test_redirect_loops_and_chains_stop(site, routes, start, reason):
    for path, target in routes.items():
        site.routes[path] = Page(status=302, headers={"Location": target})
    problem = fetch(site.url(start))
    assert isinstance(problem, FileProblem) and problem.reason.startswith(reason), problem
    assert len(site.requests) <= 1 + 6 + 1  # robots.txt, then at most six hops


@pytest.mark.parametrize("status,reason", [(404, "HTTP 404 Not Found"), (410, "HTTP 410 Gone"),
                                           (500, "HTTP 500 Internal Server Error")])
def test_http_errors_give_their_status(site, status, reason):
    site.routes["/gone"] = Page("<p>no</p>", status=status)
    problem = fetch(site.url("/gone"))
    assert problem == FileProblem(site.url("/gone"), reason)


def test_a_slow_endpoint_times_out(site):
    site.routes["/slow"] = Page(article_html("Slow", STORY), delay=30)
    began = time.monotonic()
    problem = fetch(site.url("/slow"), fetch_timeout=0.4)
    assert isinstance(problem, FileProblem) and problem.reason == "timed out after 0.4 s"
    # Given up long before the page would have come (a margin no load on the machine eats).
    assert time.monotonic() - began < 15


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_an_oversize_body_is_refused(site, declared):
    site.routes["/big"] = Page(article_html("Big", STORY * 40), content_length=declared)
    problem = fetch(site.url("/big"), fetch_max_bytes=4000)
    assert isinstance(problem, FileProblem) and problem.reason.startswith("too large"), problem
    assert "4,000 bytes" in problem.reason


def test_a_closed_port_cannot_connect(site):
    from tests.servers import free_port

    problem = fetch(f"http://127.0.0.1:{free_port()}/story")
    assert isinstance(problem, FileProblem) and problem.reason.startswith("cannot connect to 127.0.0.1:")


@pytest.mark.parametrize("content_type", ["image/png", "application/json", "text/plain"])
def test_non_html_content_is_refused_with_its_type(site, content_type):
    site.routes["/thing"] = Page(b"\x89PNG not really", content_type=content_type)
    problem = fetch(site.url("/thing"))
    assert problem.reason == f"not an HTML page or PDF (Content-Type {content_type})"


def test_a_page_without_article_text_says_so(site):
    site.routes["/wall"] = Page("<html><body><nav><a href='/'>Home</a></nav>"
                                "<script>showConsentWall()</script></body></html>")
    site.routes["/consent"] = Page("<html><body><div><p>We value your privacy. Accept all cookies to continue "
                                   "reading.</p><button>Accept</button></div></body></html>")
    wall, consent = fetch(site.url("/wall")), fetch(site.url("/consent"))
    assert isinstance(wall, FileProblem)  # links and a script only: no line of the page reads as a story
    assert wall.reason == "no story text in the page (only links, menus or short labels)"
    assert isinstance(consent, FileProblem)  # sentences, but too few words for an article
    assert consent.reason.startswith("no article text found in HTML (only ")


def test_non_utf8_pages_decode_by_their_declared_charset(site):
    story = ["Le conseil du port a voté mardi la reconstruction de la jetée nord, abîmée par les tempêtes "
             "de l'hiver dernier, pour un coût de 4,2 millions de couronnes."]
    site.routes["/header"] = Page(article_html("Jetée nord : le conseil a voté", story).encode("latin-1"),
                                  content_type="text/html; charset=ISO-8859-1")
    site.routes["/meta"] = Page(article_html("Jetée nord : le conseil a voté", story, charset="windows-1252")
                                .encode("cp1252"), content_type="text/html")
    site.routes["/undeclared"] = Page(article_html("Jetée", story).encode("latin-1"), content_type="text/html")
    for path in ("/header", "/meta"):
        doc = fetch(site.url(path))
        assert isinstance(doc, RawDocument) and story[0] in doc.text and doc.title.startswith("Jetée"), path
    problem = fetch(site.url("/undeclared"))
    assert problem.reason.startswith("no charset declared and not valid UTF-8")


def test_decode_html_rejects_an_unknown_charset():
    with pytest.raises(ValueError, match="unknown charset 'x-martian'"):
        decode_html(b"<p>hi</p>", "x-martian")


def test_robots_txt_is_respected_unless_turned_off(site):
    site.routes["/robots.txt"] = Page("User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.routes["/private/story"] = Page(article_html("Private", STORY))
    problem = fetch(site.url("/private/story"))
    assert problem.reason == "robots.txt of " + site.base.split("//")[1] + " disallows /private/story"
    assert not site.hits("/private/story"), "the disallowed page is never requested"
    doc = fetch(site.url("/private/story"), respect_robots=False)
    assert isinstance(doc, RawDocument)


def test_one_host_is_asked_at_most_once_per_delay(site):
    site.routes["/a"] = Page(article_html("A", STORY))
    site.routes["/b"] = Page(article_html("B", STORY))
    with Fetcher(settings(fetch_delay=0.4)) as fetcher:
        fetch_document(fetcher, site.url("/a"))
        fetch_document(fetcher, site.url("/b"))
    times = [t for _, _, t in site.requests]  # robots.txt, /a, /b
    assert len(times) == 3 and all(b - a >= 0.39 for a, b in zip(times, times[1:]))


def test_robots_setting_reads_from_the_environment():
    assert Settings.load(environ={"RAG_RESPECT_ROBOTS": "false"}).respect_robots is False
    assert Settings.load(environ={}).respect_robots is True
    with pytest.raises(ValueError, match="respect_robots"):
        Settings.load(environ={"RAG_RESPECT_ROBOTS": "perhaps"})


def test_url_list_files_skip_comments_and_blanks(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("# harbour stories\nhttps://a.example/1\n\n  https://a.example/2  \n", encoding="utf-8")
    assert read_url_list(str(listing)) == ["https://a.example/1", "https://a.example/2"]
