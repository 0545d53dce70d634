"""`rag index`, `rag remove`, `rag stats`: the command-line face of the write side."""

from __future__ import annotations

import argparse
import sys

from index import IngestBusyError, remove, repair, stats
from index.load import FORMATS
from index.web import ingest_urls, is_url, read_url_list
from rag.progress import CountProgress
from rag.settings import Settings


def add_fetch_options(p: argparse.ArgumentParser) -> None:
    """The options of every command that fetches from the web."""
    p.add_argument("--no-robots", dest="respect_robots", action="store_false", default=None,
                   help="fetch pages even where robots.txt disallows it (for your own sites)")


def define_index(p: argparse.ArgumentParser) -> None:
    """add or update articles (files, folders or web pages)"""
    p.add_argument("paths", nargs="*", metavar="PATH_OR_URL",
                   help=f"{' '.join(FORMATS)} files, folders (recursive), or http(s) URLs")
    p.add_argument("--urls", metavar="FILE", help="a text file of URLs to fetch, one a line (# comments)")
    p.add_argument("--rebuild", action="store_true", help="delete the index first and build it anew")
    p.add_argument("--repair", action="store_true",
                   help="re-embed the chunks whose vectors the Chroma collection lost, drop its vectors of no "
                        "chunk, and store the vectors of sentences stored without one (takes no PATH)")
    p.add_argument("--no-wait", action="store_true", help="fail instead of waiting when another ingest runs")
    add_fetch_options(p)
    p.set_defaults(handler=run_index)


def define_remove(p: argparse.ArgumentParser) -> None:
    """remove an article by id (see `rag stats`)"""
    p.add_argument("article_id")
    p.set_defaults(handler=run_remove)


def define_stats(p: argparse.ArgumentParser) -> None:
    """list the indexed articles and totals"""
    p.set_defaults(handler=run_stats)


def run_index(args, settings: Settings) -> int:
    if args.repair:
        return run_repair(args, settings)
    urls = [a for a in args.paths if is_url(a)] + (read_url_list(args.urls) if args.urls else [])
    paths = [a for a in args.paths if not is_url(a)]
    if not urls and not paths:
        print("error: give files, folders or URLs to index (or --urls FILE)", file=sys.stderr)
        return 2
    try:
        with CountProgress("document") as progress:
            report = ingest_urls(urls, settings, paths=paths, progress=progress, wait=not args.no_wait,
                                 rebuild=args.rebuild)
    except IngestBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    _audit(settings, "article add", report.added + report.updated)
    if report.updated:
        where = {a.id: a.path for a in stats(settings).articles}
        for article_id in report.updated:
            print(f"  updated {where.get(article_id, article_id)}: its text changed; the old version's chunks "
                  "were replaced")
    print(f"index: {settings.index_dir}")
    return 0 if report.indexed_anything else 1


def run_repair(args, settings: Settings) -> int:
    if args.paths or args.urls or args.rebuild:
        print("error: --repair takes no PATH, --urls or --rebuild: it re-embeds what the library already holds",
              file=sys.stderr)
        return 2
    try:
        with CountProgress("chunk", verb="re-embedding") as progress, \
                CountProgress("sentence", verb="embedding") as sentence_progress:
            report = repair(settings, progress=progress, sentence_progress=sentence_progress, wait=not args.no_wait)
    except IngestBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    print(f"index: {settings.index_dir}")
    return 1 if report.left else 0


def run_remove(args, settings: Settings) -> int:
    if remove(args.article_id, settings):
        _audit(settings, "article remove", [args.article_id])
        print(f"removed {args.article_id}")
        return 0
    print(f"error: no article {args.article_id!r} in {settings.index_dir}", file=sys.stderr)
    return 1


def _audit(settings: Settings, action: str, article_ids: list[str]) -> None:
    """Log who added or removed articles from the command line (the chat and the API log theirs), in the
    library's accounts (`rag.accounts`), once the library has any."""
    from rag.accounts import Accounts
    from rag.accounts_cli import local_actor

    if not article_ids:
        return
    accounts = Accounts.for_settings(settings)  # reading creates nothing: no users, no log
    if accounts.has_users():
        for article_id in article_ids:
            accounts.record(local_actor(), action, article_id)


def run_stats(args, settings: Settings) -> int:
    s = stats(settings)
    for a in s.articles:
        meta = " · ".join(x for x in (a.source, a.date) if x)
        group = f"  [syndicated: {a.group}]" if a.group else ""
        print(f"{a.id}  {a.title[:70]}" + (f"  ({meta})" if meta else "") + f"  {a.chunks} chunks{group}")
    m = s.manifest
    print(f"\n{s.n_articles} articles, {s.n_chunks} chunks · model {m.get('model')} ({m.get('backend')}) · "
          f"chunks of ≤{m.get('chunk_size')} word pieces · {s.index_dir}")
    if s.vectors or s.vectors_unchecked:
        print(s.vectors.line() if s.vectors else s.vectors_unchecked)
    if s.sentence_vectors_line():
        print(s.sentence_vectors_line())
    return 0
