"""Fetch web pages politely and turn them into raw documents for the ingest pipeline.

The client (`Fetcher`) names the project in its User-Agent, waits `fetch_delay` seconds between two
requests to one host (longer when robots.txt asks with Crawl-delay), gives up after `fetch_timeout`
seconds, refuses bodies over `fetch_max_bytes`, follows at most `fetch_max_redirects` redirects (each hop
checked against robots.txt) and honours robots.txt unless `respect_robots` is off. Every failure is a
`FetchError` whose message is one line: "HTTP 404 Not Found", "timed out after 15 s", "redirect loop", ...

    >>> from index.web import Fetcher, fetch_document
    >>> with Fetcher(settings) as fetcher:
    ...     doc = fetch_document(fetcher, "https://example.org/news/story.html")
    >>> doc.title, doc.url, doc.date          # or a FileProblem with a one-line reason

HTTP is httpx; robots.txt rules are the standard library's `urllib.robotparser`; the page's main text and
metadata (canonical URL, headline, site name, author, date from meta tags and JSON-LD) come from
trafilatura, as for HTML files. Redirects are followed here rather than by httpx so that every hop gets the
robots check and the per-host delay.
"""

from __future__ import annotations

import codecs
import re
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from index.load import FileProblem, RawDocument, html_document
from index.pdf import looks_like_pdf, pdf_document
from index.pipeline import IngestReport, ingest
from rag.settings import Settings

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PDF_TYPE = "application/pdf"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Fewer words than this is not an article but what a paywall, consent wall or link page leaves: wire briefs
# run to about 50 words (the shortest MultiHop-RAG article has 839); trafilatura's fallback on a consent
# wall returns a menu word or two.
MIN_WORDS = 20
# Where an HTML page may declare its charset: <meta charset="..."> or <meta http-equiv ... content="...; charset=...">
# within its first bytes (the HTML standard's prescan looks at 1024; pages with long heads put it later).
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_PRESCAN_BYTES = 4096


class FetchError(Exception):
    """A fetch that failed; the message is the one-line reason."""


@dataclass(frozen=True)
class Fetched:
    """One HTTP response that was read: `url` is the address after redirects; 304 has an empty body."""

    url: str
    status: int
    content_type: str  # media type, lower case, without parameters ("" when absent)
    charset: str | None  # as declared in Content-Type
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # where a redirect points


def is_url(text: str) -> bool:
    """True for an http(s) address.

    >>> is_url("https://example.org/a"), is_url("seeds/")
    (True, False)
    """
    return urlsplit(text.strip()).scheme in ("http", "https")


def read_url_list(path: str) -> list[str]:
    """The URLs of a text file, one a line; blank lines and lines starting with # are ignored."""
    with open(path, encoding="utf-8") as fh:
        return [line.strip() for line in fh if line.strip() and not line.lstrip().startswith("#")]


class Fetcher:
    """A polite HTTP client for pages and feeds; one per run, used as a context manager.

        >>> with Fetcher(settings) as fetcher:
        ...     page = fetcher.get("https://example.org/feed.xml", {"If-None-Match": '"abc"'})
        >>> page.status                # 200, or 304 when the conditional request matched
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        timeout = settings.fetch_timeout
        self._client = httpx.Client(headers={"User-Agent": settings.user_agent},
                                    timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False)
        self._last_request: dict[str, float] = {}  # host -> time.monotonic() of its last request
        self._robots: dict[str, RobotFileParser] = {}  # host[:port] -> its parsed robots.txt

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self._client.close()

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Fetched:
        """GET `url`, following redirects; raise FetchError with a one-line reason on any failure."""
        seen = [url]
        for _ in range(self.settings.fetch_max_redirects + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                raise FetchError(f"not an http(s) URL: {url}")
            if self.settings.respect_robots and not self._allowed(url):
                raise FetchError(f"robots.txt of {urlsplit(url).netloc} disallows {urlsplit(url).path or '/'}")
            response = self._request(url, headers)
            if response.status not in _REDIRECTS:
                return response
            if not response.location:
                raise FetchError(f"HTTP {response.status} redirect without a Location")
            url = urljoin(url, response.location)
            if url in seen:
                raise FetchError(f"redirect loop ({' -> '.join(seen + [url])})"[:300])
            seen.append(url)
        raise FetchError(f"more than {self.settings.fetch_max_redirects} redirects")

    def _request(self, url: str, headers: Mapping[str, str] | None) -> Fetched:
        """One request; a redirect is returned, not followed."""
        host = urlsplit(url).netloc
        self._wait_turn(host)
        timeout = self.settings.fetch_timeout
        deadline = time.monotonic() + timeout
        cap = self.settings.fetch_max_bytes
        try:
            with self._client.stream("GET", url, headers=dict(headers or {})) as r:
                if r.status_code in _REDIRECTS:
                    return Fetched(url, r.status_code, "", None, b"", location=r.headers.get("location"))
                if r.status_code >= 400:
                    raise FetchError(f"HTTP {r.status_code} {r.reason_phrase}".strip())
                declared = r.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise FetchError(f"too large ({_size(int(declared))}; the limit is {_size(cap)})")
                body = bytearray()
                for piece in r.iter_bytes():
                    body += piece
                    if len(body) > cap:
                        raise FetchError(f"too large (over {_size(cap)}, the limit)")
                    if time.monotonic() > deadline:
                        raise FetchError(f"timed out after {timeout:g} s (body still arriving)")
                media, _, params = r.headers.get("content-type", "").partition(";")
                charset = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.I)
                return Fetched(str(r.url), r.status_code, media.strip().lower(), charset[1] if charset else None,
                               bytes(body), r.headers.get("etag"), r.headers.get("last-modified"))
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {timeout:g} s") from None
        except httpx.ConnectError as exc:
            if _caused_by(exc, socket.gaierror):
                raise FetchError(f"DNS lookup failed for {urlsplit(url).hostname}") from None
            raise FetchError(f"cannot connect to {host} ({_first_line(exc)})") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"network error ({type(exc).__name__}: {_first_line(exc)})") from None
        finally:
            self._last_request[host] = time.monotonic()

    def _wait_turn(self, host: str) -> None:
        delay = self.settings.fetch_delay
        robots = self._robots.get(host)
        if robots is not None and self.settings.respect_robots:
            delay = max(delay, float(robots.crawl_delay(self.settings.user_agent) or 0))
        last = self._last_request.get(host)
        if last is not None:
            time.sleep(max(0.0, last + delay - time.monotonic()))

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.netloc not in self._robots:
            self._robots[parts.netloc] = self._read_robots(f"{parts.scheme}://{parts.netloc}/robots.txt")
        return self._robots[parts.netloc].can_fetch(self.settings.user_agent, url)

    def _read_robots(self, robots_url: str) -> RobotFileParser:
        """The site's rules, read as RFC 9309 says: no robots.txt (4xx) allows everything; 401/403 and 5xx
        (the site cannot say) bar everything. A host that cannot be reached raises its FetchError."""
        parser = RobotFileParser(robots_url)
        try:
            r = self._request(robots_url, None)
        except FetchError as exc:
            status = re.match(r"HTTP (\d{3})", str(exc))
            if not status:
                raise
            if status[1] in ("401", "403") or status[1].startswith("5"):
                parser.disallow_all = True
            else:
                parser.allow_all = True
            return parser
        if r.status in _REDIRECTS:  # a robots.txt that moved: treated as absent rather than chased
            parser.allow_all = True
        else:
            parser.parse(r.body.decode("utf-8", "replace").splitlines())
        return parser


def fetch_document(fetcher: Fetcher, url: str) -> RawDocument | FileProblem:
    """Fetch `url` and extract its article: HTML through trafilatura, PDF through pypdf; never raises."""
    try:
        page = fetcher.get(url)
    except FetchError as exc:
        return FileProblem(url, str(exc))
    return document_from(page, url)


def document_from(page: Fetched, url: str) -> RawDocument | FileProblem:
    """The raw document in a fetched response, keyed by its final URL; `url` is what was asked for."""
    if page.content_type == PDF_TYPE or (page.content_type in ("", "application/octet-stream")
                                         and looks_like_pdf(page.body)):
        return pdf_document(page.url, page.body)
    if page.content_type not in HTML_TYPES:
        return FileProblem(url, f"not an HTML page or PDF (Content-Type {page.content_type or 'missing'})")
    if not page.body.strip():
        return FileProblem(url, "empty page")
    try:
        html = decode_html(page.body, page.charset)
    except ValueError as exc:
        return FileProblem(url, str(exc))
    doc = html_document(page.url, html, url=page.url)
    if isinstance(doc, FileProblem):
        return FileProblem(url, doc.reason)
    words = len(doc.text.split())
    if words < MIN_WORDS:
        return FileProblem(url, f"no article text found in HTML (only {words} words: a paywall or consent page?)")
    return doc


def decode_html(body: bytes, declared: str | None) -> str:
    """Text of an HTML body: the charset of the HTTP header, else a byte-order mark, else the page's <meta>,
    else UTF-8. A declared charset decodes leniently (a stray byte becomes U+FFFD); an undeclared page must be
    valid UTF-8. Raises ValueError with a one-line reason.

    >>> decode_html("café".encode("latin-1"), "ISO-8859-1")
    'café'
    """
    bom = next((enc for mark, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                                      (codecs.BOM_UTF16_BE, "utf-16")) if body.startswith(mark)), None)
    meta = _META_CHARSET.search(body[:_PRESCAN_BYTES])
    charset = declared or bom or (meta[1].decode("ascii") if meta else None)
    if charset is None:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(f"no charset declared and not valid UTF-8 (byte {err.start})") from None
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        raise ValueError(f"unknown charset {charset!r}") from None


def ingest_urls(urls: Iterable[str], settings: Settings, *, paths: Iterable[str] = (), progress=None,
                wait: bool = True, rebuild: bool = False) -> IngestReport:
    """Fetch each URL (once, in order) and index the pages with the files and folders in `paths`.

    A URL that could not be fetched or holds no article is in `report.failed` with its reason; the rest
    is indexed as `ingest` does (a page whose text changed replaces its old chunks; unchanged is a no-op).

        >>> print(ingest_urls(["https://example.org/story.html"], settings).summary())
    """
    urls = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    fetched: list[RawDocument | FileProblem] = []
    if urls:
        with Fetcher(settings) as fetcher:
            for n, url in enumerate(urls, 1):
                if progress:
                    progress(n - 1, len(urls), f"{url} (fetching)")
                fetched.append(fetch_document(fetcher, url))
    report = ingest(paths, settings, progress=progress, wait=wait, rebuild=rebuild,
                    loaded=[d for d in fetched if isinstance(d, RawDocument)])
    report.failed += [p for p in fetched if isinstance(p, FileProblem)]
    return report


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """True when `kind` is in the chain of exceptions that led to `exc` (httpx wraps the socket's error)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
