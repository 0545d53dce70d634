"""Feeds and web pages end to end through the `rag` command, against a real HTTP server on loopback: an RSS and
an Atom feed added, updated, changed between two updates (ETag → 304), deduplicated across feeds; a question
answered from one fetched article and cited with its URL (real model, real Chroma). The bad-feed cases need no
model and run in the fast lane."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

import rag
from index import stats
from index.feeds import subscribe, update_feeds
from rag.cli import main
from rag.settings import Settings
from tests.index.site import Page, article_html, atom, rss, serving

ROOT = Path(__file__).resolve().parents[2]

# Fictional stories: each has facts no other one has.
STORIES = {
    "pier": ("Harbour council votes to rebuild the north pier", [
        "The Gullport harbour council voted seven to two on Tuesday to rebuild the north pier, which winter "
        "storms left unsafe for the fishing fleet.",
        "The work will cost 4.2 million crowns and should finish before the autumn herring season, said the "
        "council chair, Ines Barrow.",
        "Skippers had asked for the repair since January, when a section of decking collapsed under a cart."]),
    "library": ("Tarnby library to reopen in May with a solar roof", [
        "The Tarnby public library will reopen on 12 May after a two-year renovation that added a solar roof "
        "and a reading garden, the town's culture office said on Monday.",
        "The roof's 340 panels are expected to cover most of the building's electricity needs in summer.",
        "Librarian Petra Lund said the children's section had doubled in size."]),
    "strike": ("Ostmark rail drivers call off weekend strike", [
        "Train drivers on the Ostmark regional lines called off a planned weekend strike on Thursday after the "
        "operator offered a 6 percent pay rise over two years.",
        "The drivers' union said its members would vote on the offer within ten days.",
        "Commuters had been told to expect no trains between Ostmark and the coast on Saturday."]),
    "cheese": ("Velden cheese festival breaks its attendance record", [
        "The Velden cheese festival drew 31,000 visitors over three days, breaking the record set in 2019, the "
        "organisers said on Sunday.",
        "A wheel of aged mountain cheese sold at auction for 2,800 crowns, with the proceeds going to the "
        "village school.",
        "Next year's festival will add a second market square to ease the crowds."]),
    "seagrass": ("Divers replant seagrass meadows in Harlow Bay", [
        "Volunteer divers have replanted 12 hectares of seagrass in Harlow Bay this summer, the largest "
        "restoration of its kind on the coast, said marine biologist Oona Pell.",
        "The meadows were lost in the 1990s to dredging and boat moorings.",
        "Pell said young cod and pipefish had already returned to the replanted beds."]),
    "wind": ("Kestrel Valley wind farm wins planning approval", [
        "The regional planning board approved a 48-turbine wind farm in Kestrel Valley on Wednesday after "
        "three years of hearings.",
        "The developer, Northgale Energy, says the farm will power about 90,000 homes from 2029.",
        "Residents' groups said they would appeal over the turbines' effect on golden eagles."]),
    "ferry": ("Brightwater ferry fares cut by a third for residents", [
        "Island residents will pay a third less on the Brightwater ferry from next month, the county transport "
        "authority announced on Friday.",
        "The cut follows a petition signed by 4,100 islanders.",
        "Visitors' fares stay unchanged."]),
}
CHANGED_LIBRARY = ["The Tarnby public library will now reopen on 2 June, three weeks later than planned, because "
                   "the solar roof failed its electrical inspection, the town's culture office said on Friday.",
                   "The roof's 340 panels are expected to cover most of the building's electricity needs in summer.",
                   "Librarian Petra Lund said the children's section had doubled in size."]


def when(day: int) -> datetime:
    return datetime(2026, 3, day, 8, 0, tzinfo=timezone.utc)


def publish(site, key: str, day: int, paragraphs: list[str] | None = None) -> dict:
    """Serve the story at /news/<key> (canonical /story/<key>) and return its feed item."""
    headline, body = STORIES[key]
    site.routes[f"/news/{key}"] = Page(article_html(headline, paragraphs or body, published=when(day).isoformat(),
                                                    canonical=site.url(f"/story/{key}")))
    return {"title": headline, "link": site.url(f"/news/{key}"), "guid": f"urn:ledger:{key}", "date": when(day)}


def cli(capsys, *argv: str) -> tuple[int, list[str]]:
    code = main(list(argv))
    return code, capsys.readouterr().out.splitlines()


def show(capsys, lines: list[str]) -> None:
    """Print the summary lines past the capture (`pytest -s` shows them)."""
    with capsys.disabled():
        print("\n" + "\n".join(lines))


@pytest.fixture
def site():
    with serving() as s:
        yield s


@pytest.fixture
def fast_fetch(monkeypatch):
    monkeypatch.setenv("RAG_FETCH_DELAY", "0")
    monkeypatch.setenv("RAG_FETCH_TIMEOUT", "3")


@pytest.mark.e2e
def test_feeds_added_updated_and_cited_through_the_cli(site, tmp_path, capsys, fast_fetch):
    index = str(tmp_path / "idx")
    items = {k: publish(site, k, day) for day, k in enumerate(["pier", "library", "strike", "cheese", "seagrass",
                                                                "wind"], 1)}
    site.routes["/rss.xml"] = Page(rss("Gullport Ledger", site.url("/"), [items[k] for k in
                                                                          ("pier", "library", "strike", "cheese")]),
                                   content_type="application/rss+xml", etag='"rss-1"')
    # The Atom feed repeats two of the RSS stories (fetched once) and carries a wire copy of the wind farm story
    # under its own address and masthead (grouped with the original as a syndicated copy).
    headline, body = STORIES["wind"]
    site.routes["/wire/wind"] = Page(article_html(headline, body + ["Reporting by the Coast Wire desk."],
                                                  site="Coast Wire", author="Staff"))
    copy = {"title": headline, "link": site.url("/wire/wind"), "guid": "urn:wire:wind", "date": when(6)}
    site.routes["/atom.xml"] = Page(atom("Coast Wire", [items[k] for k in ("strike", "cheese", "seagrass", "wind")]
                                         + [copy]), content_type="application/atom+xml", etag='"atom-1"')
    rss_url, atom_url = site.url("/rss.xml"), site.url("/atom.xml")
    assert cli(capsys, "feed", "add", rss_url, "--index", index)[0] == 0
    assert cli(capsys, "feed", "add", atom_url, "--index", index)[0] == 0
    assert cli(capsys, "feed", "add", atom_url, "--index", index)[1] == [f"feed {atom_url} is already subscribed"]

    code, first = cli(capsys, "feed", "update", "--index", index)
    show(capsys, first)
    assert code == 0
    assert first == [f"feed {rss_url}: new 4, updated 0, unchanged 0, failed 0",
                     f"feed {atom_url}: new 3, updated 0, unchanged 2, failed 0"]
    assert len(site.hits("/news/strike")) == 1, "an article in two feeds is fetched once"
    groups = {a.path: a.group for a in stats(Settings.load(environ={}, overrides={"index_dir": index})).articles}
    assert groups[site.url("/wire/wind")] and groups[site.url("/wire/wind")] == groups[site.url("/news/wind")]

    code, second = cli(capsys, "feed", "update", "--index", index)
    show(capsys, second)
    assert second == [f"feed {rss_url}: not modified (HTTP 304); new 0, updated 0, unchanged 4, failed 0",
                      f"feed {atom_url}: not modified (HTTP 304); new 0, updated 0, unchanged 5, failed 0"]
    assert site.hits("/rss.xml")[-1]["if-none-match"] == '"rss-1"'
    assert len(site.hits("/news/pier")) == 1, "a 304 costs the feed request only"

    # Between two updates the RSS feed gains a story and one story is rewritten (a new date in the feed).
    items["ferry"] = publish(site, "ferry", 9)
    items["library"] = publish(site, "library", 10, CHANGED_LIBRARY)
    site.routes["/rss.xml"] = Page(rss("Gullport Ledger", site.url("/"), [items[k] for k in
                                                                          ("ferry", "pier", "library", "strike",
                                                                           "cheese")]),
                                   content_type="application/rss+xml", etag='"rss-2"')
    code, third = cli(capsys, "feed", "update", "--index", index)
    show(capsys, third)
    assert third == [f"feed {rss_url}: new 1, updated 1, unchanged 3, failed 0",
                     f"feed {atom_url}: not modified (HTTP 304); new 0, updated 0, unchanged 5, failed 0"]

    code, listing = cli(capsys, "feed", "list", "--index", index)
    assert listing[0].startswith(f"{rss_url}  Gullport Ledger  · 5 entries · last update ")
    assert listing[0].endswith("new 1, updated 1, unchanged 3, failed 0") and listing[-1].startswith("2 feeds")

    settings = Settings.load(environ={}, overrides={"index_dir": index})
    answer = rag.query("How many hectares of seagrass did divers replant in Harlow Bay?", index=settings)
    assert not answer.abstained and "12 hectares" in answer.text, answer.text
    first_citation = answer.citations[0]
    assert first_citation.url == site.url("/story/seagrass"), "cited with the article's canonical URL"
    assert (first_citation.source, first_citation.date) == ("The Gullport Ledger", "2026-03-05")
    assert site.url("/story/seagrass") in answer.to_markdown()

    answer = rag.query("How much less will island residents pay on the Brightwater ferry?", index=settings)
    assert "a third less" in answer.text, answer.text  # the story that arrived with the last update
    assert answer.citations[0].url == site.url("/story/ferry")

    answer = rag.query("When will the Tarnby library reopen?", index=settings)
    assert "2 June" in answer.text and "12 May" not in answer.text, "the old version's chunks are gone"

    assert cli(capsys, "feed", "remove", atom_url, "--index", index)[0] == 0
    assert cli(capsys, "feed", "list", "--index", index)[1][-1].startswith("1 feed ")


@pytest.mark.e2e
def test_index_urls_replaces_a_changed_page_and_skips_an_unchanged_one(site, tmp_path, capsys, fast_fetch):
    index = str(tmp_path / "idx")
    publish(site, "wind", 3)
    url = site.url("/news/wind")
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# one good, one missing\n{url}\n{site.url('/news/missing')}\n", encoding="utf-8")
    code, out = cli(capsys, "index", "--urls", str(listing), "--index", index)
    assert code == 0 and out[0].startswith("added 1, updated 0, unchanged 0, skipped 0, failed 1;")
    assert out[1] == f"  failed  {site.url('/news/missing')}: HTTP 404 Not Found"

    code, out = cli(capsys, "index", url, "--index", index)
    assert out[0].startswith("added 0, updated 0, unchanged 1,")

    headline, body = STORIES["wind"]
    publish(site, "wind", 4, body[:2] + ["The board's decision can be appealed until the end of April."])
    code, out = cli(capsys, "index", url, "--index", index)
    assert out[0].startswith("added 0, updated 1, unchanged 0,")
    assert out[1] == f"  updated {url}: its text changed; the old version's chunks were replaced"


def test_bad_feeds_get_one_line_reasons(site, tmp_path):
    settings = Settings.load(environ={}, overrides={"index_dir": str(tmp_path / "idx"), "fetch_delay": 0})
    site.routes["/garbage.xml"] = Page("this is not a feed < at all", content_type="application/xml")
    site.routes["/page.html"] = Page(article_html("Not a feed", STORIES["pier"][1]))
    site.routes["/self.xml"] = Page(rss("Loop", site.url("/"), [
        {"title": "Me", "link": site.url("/self.xml"), "guid": "me", "date": when(1)}]),
        content_type="application/rss+xml")
    for path in ("/garbage.xml", "/page.html", "/self.xml", "/missing.xml"):
        assert subscribe(site.url(path), settings)
    assert not subscribe(site.url("/self.xml"), settings)
    with pytest.raises(ValueError, match="not an http"):
        subscribe("ftp://example.org/feed", settings)
    lines = [run.summary() for run in update_feeds(settings)]
    assert lines == [
        f"feed {site.url('/garbage.xml')}: failed: malformed feed (syntax error)",
        f"feed {site.url('/page.html')}: failed: not an RSS or Atom feed (Content-Type text/html)",
        f"feed {site.url('/self.xml')}: new 0, updated 0, unchanged 0, failed 1\n"
        f"  failed  {site.url('/self.xml')}: entry links back to the feed itself",
        f"feed {site.url('/missing.xml')}: failed: HTTP 404 Not Found",
    ]


@pytest.mark.e2e
def test_watch_updates_until_interrupted(site, tmp_path):
    """`rag feed watch` in its own process: an update at once, another after --every, 'stopped' on Ctrl-C."""
    site.routes["/empty.xml"] = Page(rss("Quiet", site.url("/"), []), content_type="application/rss+xml",
                                     etag='"q"')
    index = str(tmp_path / "idx")
    assert main(["feed", "add", site.url("/empty.xml"), "--index", index]) == 0
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "feed", "watch", "--every", "1s", "--index", index],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={"PATH": "/usr/bin:/bin", "RAG_FETCH_DELAY": "0"},
                            # Ctrl-C as a terminal delivers it, whatever the test run inherited: a test run
                            # started in the background of a script has SIGINT ignored, and so would the child.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    done = f"feed {site.url('/empty.xml')}: "
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        # Interrupted once the second update's line is printed (not when its request arrives: under load the
        # signal could land between the two).
        deadline = time.monotonic() + 60
        while sum(line.startswith(done) for line in list(lines)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        reader.join(timeout=20)
    finally:
        proc.kill()
    out = "".join(lines)
    assert proc.returncode == 0, out
    assert out.count(done) >= 2 and out.rstrip().endswith("stopped"), out
    assert site.hits("/empty.xml")[1]["if-none-match"] == '"q"'


@pytest.mark.e2e
def test_an_entry_that_failed_is_retried_even_when_the_feed_is_unchanged(site, tmp_path):
    settings = Settings.load(environ={}, overrides={"index_dir": str(tmp_path / "idx"), "fetch_delay": 0})
    item = publish(site, "cheese", 4)
    site.routes["/news/cheese"] = Page("<p>busy</p>", status=503)
    site.routes["/rss.xml"] = Page(rss("Ledger", site.url("/"), [item]), content_type="application/rss+xml",
                                   etag='"one"')
    subscribe(site.url("/rss.xml"), settings)
    [run] = update_feeds(settings)
    assert run.summary() == (f"feed {site.url('/rss.xml')}: new 0, updated 0, unchanged 0, failed 1\n"
                             f"  failed  {site.url('/news/cheese')}: HTTP 503 Service Unavailable")
    publish(site, "cheese", 4)
    [run] = update_feeds(settings)
    assert "if-none-match" not in site.hits("/rss.xml")[-1], "no ETag kept while an entry waits for a retry"
    assert run.summary() == f"feed {site.url('/rss.xml')}: new 1, updated 0, unchanged 0, failed 0"
