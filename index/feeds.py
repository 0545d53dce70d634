"""RSS and Atom subscriptions: fetch each feed, fetch its new and changed entries as web pages, index them.

Feeds are parsed by feedparser. The subscription list and the entries seen so far live in the index's
library database (`rag.store`: `feeds`, `feed_entries`). An update of one feed:

- asks with the ETag / Last-Modified of the last 200 response, so an unchanged feed costs one small
  request answered 304;
- skips entries seen before (same entry id, same updated/published date) and entries whose link is already
  in the library (fetched directly or through another feed), without fetching them;
- fetches the others' links with the polite client (`index.web`) and indexes them in one ingest, where a
  changed text replaces the old chunks and syndicated copies are grouped as for files;
- reports one summary line: new, updated, unchanged, failed (each failure with its reason).

    >>> from index.feeds import subscribe, update_feeds
    >>> subscribe("https://example.org/news/rss.xml", settings)
    >>> for run in update_feeds(settings):
    ...     print(run.summary())      # feed https://example.org/news/rss.xml: new 10, updated 0, unchanged 0, failed 0
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from urllib.parse import urldefrag, urljoin

from index.load import FileProblem, RawDocument
from index.pipeline import ingest
from index.web import Fetcher, FetchError, document_from, is_url
from rag.settings import Settings
from rag.store import (
    Feed,
    FeedEntry,
    FeedValidators,
    IndexNotFoundError,
    Library,
    add_feed,
    feed_entries,
    indexed_links,
    list_feeds,
    open_library,
    record_feed_entries,
    remove_feed,
    save_feed_check,
)

# Media types a feed may be served as; anything else (an HTML page, an image) is not a feed.
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
                        "application/rdf+xml", "application/feed+xml", "application/x-rss+xml"})


@dataclass
class FeedRun:
    """What one update of one feed did."""

    feed: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[FileProblem] = field(default_factory=list)
    error: str | None = None  # the feed itself could not be read
    not_modified: bool = False  # 304: nothing fetched beyond the feed request

    def summary(self) -> str:
        """One line (plus one line per failed entry), e.g.
        'feed https://x/rss: new 2, updated 1, unchanged 7, failed 1'."""
        if self.error:
            return f"feed {self.feed}: failed: {self.error}"
        head = f"feed {self.feed}: " + ("not modified (HTTP 304); " if self.not_modified else "") + \
            f"new {self.new}, updated {self.updated}, unchanged {self.unchanged}, failed {len(self.failed)}"
        return "\n".join([head] + [f"  failed  {p}" for p in self.failed])


def subscribe(url: str, settings: Settings) -> bool:
    """Add a feed (fetched at the next update); False when it is already there. Raises ValueError for a
    non-http(s) address."""
    if not is_url(url):
        raise ValueError(f"not an http(s) URL: {url}")
    return add_feed(open_library(settings, create=True), url.strip(), time.time())


def unsubscribe(url: str, settings: Settings) -> bool:
    """Remove a feed; its articles stay in the library. False when it was not there."""
    return remove_feed(open_library(settings, create=True), url.strip())


def feeds(settings: Settings) -> list[Feed]:
    """The subscribed feeds. Only reads a library in PostgreSQL (a read replica lists them); an embedded library
    is given the feeds table first when it is from before that table existed."""
    try:
        return list_feeds(open_library(settings, create=not settings.database_url))
    except IndexNotFoundError:  # no library in the database yet: no feeds
        return []


def update_feeds(settings: Settings) -> list[FeedRun]:
    """Update every subscribed feed once, in the order they were added."""
    library = open_library(settings, create=True)
    runs = []
    with Fetcher(settings) as fetcher:
        for feed in list_feeds(library):
            run, validators = _update(feed, library, fetcher, settings)
            save_feed_check(library, feed.url, checked_at=time.time(), result=run.summary().splitlines()[0],
                            validators=validators)
            runs.append(run)
    return runs


def _update(feed: Feed, library: Library, fetcher: Fetcher,
            settings: Settings) -> tuple[FeedRun, FeedValidators | None]:
    """One feed's update, and what to keep of its 200 response for the next one (None: keep what is kept)."""
    import feedparser

    run = FeedRun(feed.url)
    conditional = {k: v for k, v in (("If-None-Match", feed.etag), ("If-Modified-Since", feed.last_modified)) if v}
    try:
        response = fetcher.get(feed.url, conditional)
    except FetchError as exc:
        run.error = str(exc)
        return run, None
    if response.status == 304:
        run.not_modified, run.unchanged = True, feed.entries
        return run, None
    if response.content_type and response.content_type not in FEED_TYPES:
        run.error = f"not an RSS or Atom feed (Content-Type {response.content_type})"
        return run, None
    parsed = feedparser.parse(response.body, response_headers={"content-location": response.url})
    if not parsed.version:
        reason = getattr(parsed.get("bozo_exception"), "getMessage", lambda: None)() or parsed.get("bozo_exception")
        run.error = f"malformed feed ({reason})" if parsed.bozo else "not an RSS or Atom feed"
        return run, None

    seen = feed_entries(library, feed.url)
    candidates = _entries(parsed, (feed.url, response.url), run)
    known = indexed_links(library, [item.link for item, _ in candidates])
    todo: list[tuple[FeedEntry, dict]] = []
    done: list[FeedEntry] = []
    for item, entry in candidates:
        before = seen.get(item.entry_id)
        if before is not None and before.stamp == item.stamp and before.link == item.link:
            run.unchanged += 1
        elif before is None and item.link in known:
            run.unchanged += 1  # indexed already, directly or through another feed
            done.append(item)
        else:
            todo.append((item, entry))
    loaded: list[RawDocument] = []
    for item, entry in todo:
        doc = _fetch_entry(fetcher, item, entry, feed.url, response.url)
        if isinstance(doc, FileProblem):
            run.failed.append(FileProblem(item.link, doc.reason))  # not recorded: tried again next update
        else:
            loaded.append(doc)
            done.append(item)
    if loaded:
        report = ingest([], settings, loaded=loaded)
        run.new += len(report.added)
        run.updated += len(report.updated)
        run.unchanged += len(report.unchanged)
        run.failed += report.problems
    record_feed_entries(library, feed.url, done)
    title = parsed.feed.get("title")
    if len(loaded) < len(todo):  # no ETag kept: the next update reads the feed in full and retries what failed
        return run, FeedValidators(title, None, None)
    return run, FeedValidators(title, response.etag, response.last_modified)


def _entries(parsed, feed_urls: tuple[str, ...], run: FeedRun) -> list[tuple[FeedEntry, dict]]:
    """The feed's entries with an absolute link, each once; entries without a usable link go to `run.failed`."""
    out: list[tuple[FeedEntry, dict]] = []
    links: set[str] = set()
    ids: set[str] = set()
    for entry in parsed.entries:
        link = urldefrag(urljoin(feed_urls[-1], entry.get("link") or "")).url
        if not entry.get("link") or not is_url(link):
            run.failed.append(FileProblem(entry.get("id") or entry.get("title") or "(entry)", "entry has no link"))
            continue
        if link in feed_urls:
            run.failed.append(FileProblem(link, "entry links back to the feed itself"))
            continue
        entry_id = entry.get("id") or link
        if link in links or entry_id in ids:
            continue  # the same entry twice in one feed
        links.add(link)
        ids.add(entry_id)
        # dict.get: feedparser's own get() maps a missing "updated" to "published" with a DeprecationWarning
        stamp = dict.get(entry, "updated") or dict.get(entry, "published")
        out.append((FeedEntry(entry_id, link, stamp), entry))
    return out


def _fetch_entry(fetcher: Fetcher, item: FeedEntry, entry: dict, *feed_urls: str) -> RawDocument | FileProblem:
    """The entry's page as a document; the feed's author and date fill in what the page does not say."""
    try:
        page = fetcher.get(item.link)
    except FetchError as exc:
        return FileProblem(item.link, str(exc))
    if page.url in feed_urls:
        return FileProblem(item.link, "entry redirects back to the feed itself")
    doc = document_from(page, item.link)
    if isinstance(doc, FileProblem):
        return doc
    published = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    return replace(doc, author=doc.author or entry.get("author"),
                   date=doc.date or (time.strftime("%Y-%m-%d", published) if published else None))
