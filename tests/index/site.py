"""A real web site on loopback for the fetch and feed tests, and fictional fixture pages and feeds.

    with serving() as site:
        site.routes["/story"] = Page(article_html(...))
        doc = fetch_document(fetcher, site.url("/story"))
        site.requests        # [(path, headers)] of every request, in order

`Page.etag` makes the server answer 304 to a matching If-None-Match. A route may also be a function of the
request handler that returns a Page (a slow endpoint, a body of a given size).
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator, Union


@dataclass
class Page:
    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    delay: float = 0.0  # seconds before the response starts
    content_length: bool = True  # False: no Content-Length, the body ends when the connection closes


Route = Union[Page, Callable[[BaseHTTPRequestHandler], Page]]


@dataclass
class Site:
    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], float]] = field(default_factory=list)  # path, headers, time

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[dict[str, str]]:
        """The headers of each request for `path`."""
        return [h for p, h, _ in self.requests if p == path]


@contextmanager
def serving() -> Iterator[Site]:
    """A ThreadingHTTPServer on 127.0.0.1 and a free port, stopped on exit."""
    site = Site("")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's naming)
            site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()))
            route = site.routes.get(self.path)
            if route is None:
                page = Page("<html><body><p>Not here.</p></body></html>", status=404)
            else:
                page = route(self) if callable(route) else route
            time.sleep(page.delay)
            body = page.body.encode("utf-8") if isinstance(page.body, str) else page.body
            if page.etag and self.headers.get("If-None-Match") == page.etag:
                self.send_response(304)
                self.send_header("ETag", page.etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(page.status)
            self.send_header("Content-Type", page.content_type)
            if page.etag:
                self.send_header("ETag", page.etag)
            for k, v in page.headers.items():
                self.send_header(k, v)
            if page.content_length:
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (size cap, timeout)
                pass

        def log_message(self, *args):  # keep test output quiet
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address):  # a client that hung up (size cap, timeout) is fine
            pass

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def article_html(headline: str, paragraphs: list[str], *, site: str = "The Gullport Ledger",
                 author: str = "Mara Quill", published: str = "2026-03-04T09:00:00Z",
                 canonical: str | None = None, charset: str | None = None) -> str:
    """A news page as sites serve them: navigation, cookie banner, share row, related links and footer around
    the story, with the metadata in meta tags and JSON-LD."""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline,
          "datePublished": published, "author": {"@type": "Person", "name": author},
          "publisher": {"@type": "Organization", "name": site}}
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html><head>{f'<meta charset="{charset}">' if charset else ''}
<title>{escape(headline)} | {escape(site)}</title>
<meta property="og:site_name" content="{escape(site)}">
<meta property="og:title" content="{escape(headline)}">
<meta name="author" content="{escape(author)}">
{f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ''}
<script type="application/ld+json">{json.dumps(ld)}</script>
<script>window.dataLayer = []; var TRACKING_TOKEN = "x";</script>
</head><body>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button></div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/harbour">Harbour</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<main><article>
<h1>{escape(headline)}</h1>
<div class="share"><a href="#">Facebook</a> <a href="#">Twitter</a> <a href="#">Email</a></div>
{body}
</article>
<aside><h2>Related stories</h2><ul><li><a href="/a">Ferry timetable changes for the winter</a></li>
<li><a href="/b">Lighthouse open day draws crowds</a></li></ul></aside></main>
<footer><p>Subscribe to our newsletter.</p><p>Copyright 2026 {escape(site)}. All rights reserved.</p></footer>
</body></html>"""


def rss(title: str, link: str, items: list[dict]) -> str:
    """An RSS 2.0 feed; each item: title, link, guid, date (datetime), optional author."""
    entries = "".join(
        f"<item><title>{escape(i['title'])}</title><link>{escape(i['link'])}</link>"
        f"<guid isPermaLink=\"false\">{escape(i['guid'])}</guid>"
        f"<pubDate>{format_datetime(i['date'])}</pubDate></item>" for i in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>{escape(link)}</link><description>Fixture feed</description>{entries}</channel></rss>")


def atom(title: str, items: list[dict]) -> str:
    """An Atom 1.0 feed; each item: title, link, guid, date (datetime)."""
    entries = "".join(
        f"<entry><title>{escape(i['title'])}</title><link href=\"{escape(i['link'])}\"/>"
        f"<id>{escape(i['guid'])}</id><updated>{i['date'].isoformat()}</updated></entry>" for i in items)
    now = datetime(2026, 3, 1, tzinfo=timezone.utc).isoformat()
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>urn:fixture:{escape(title)}</id><updated>{now}</updated>"
            f"{entries}</feed>")
