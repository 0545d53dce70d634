"""`rag index`, `rag remove`, `rag stats`: the command-line face of the write side."""

from __future__ import annotations

import argparse
import sys
import time

from index import IngestBusyError, remove, stats
from index.web import ingest_urls, is_url, read_url_list
from rag.settings import Settings


def fetch_options() -> argparse.ArgumentParser:
    """The options every command that fetches from the web takes (a parent parser)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--no-robots", dest="respect_robots", action="store_false", default=None,
                        help="fetch pages even where robots.txt disallows it (for your own sites)")
    return parser


def add_parsers(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("index", parents=[common, fetch_options()],
                              help="add or update articles (files, folders or web pages)")
    p.add_argument("paths", nargs="*", metavar="PATH_OR_URL",
                   help=".txt .md .html .json .jsonl .pdf files, folders (recursive), or http(s) URLs")
    p.add_argument("--urls", metavar="FILE", help="a text file of URLs to fetch, one a line (# comments)")
    p.add_argument("--rebuild", action="store_true", help="delete the index first and build it anew")
    p.add_argument("--no-wait", action="store_true", help="fail instead of waiting when another ingest runs")
    p.set_defaults(handler=run_index)

    p = subparsers.add_parser("remove", parents=[common], help="remove an article by id (see `rag stats`)")
    p.add_argument("article_id")
    p.set_defaults(handler=run_remove)

    p = subparsers.add_parser("stats", parents=[common], help="list the indexed articles and totals")
    p.set_defaults(handler=run_stats)


class ProgressLines:
    """Progress for a log or a pipe: a line every `every` updates (documents, or slices of a long
    one), and at least every `seconds` while there is news.

        >>> ingest(paths, settings, progress=ProgressLines())
    """

    # 100 MultiHop-RAG articles (15 chunks each) take about 50 s at the 30 chunks/s of fp32 on 2 cores.
    def __init__(self, every: int = 100, seconds: float = 10.0):
        self.every, self.seconds = every, seconds
        self.updates, self.last = 0, time.monotonic()

    def __call__(self, done: int, total: int, label: str) -> None:
        self.updates += 1
        if self.updates % self.every and time.monotonic() - self.last < self.seconds:
            return
        self.last = time.monotonic()
        where = f"file {done} of {total}, " if total else ""
        print(f"indexing: {where}{label}", file=sys.stderr, flush=True)


def run_index(args, settings: Settings) -> int:
    from tqdm import tqdm

    bar = tqdm(total=0, unit="file", disable=not sys.stderr.isatty(), leave=False)

    def progress(done: int, total: int, label: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(label[:40])
        bar.refresh()

    urls = [a for a in args.paths if is_url(a)] + (read_url_list(args.urls) if args.urls else [])
    paths = [a for a in args.paths if not is_url(a)]
    if not urls and not paths:
        print("error: give files, folders or URLs to index (or --urls FILE)", file=sys.stderr)
        return 2
    try:
        report = ingest_urls(urls, settings, paths=paths, progress=progress if not bar.disable else ProgressLines(),
                             wait=not args.no_wait, rebuild=args.rebuild)
    except IngestBusyError as exc:
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bar.close()
    print(report.summary())
    if report.updated:
        where = {a.id: a.path for a in stats(settings).articles}
        for article_id in report.updated:
            print(f"  updated {where.get(article_id, article_id)}: its text changed; the old version's chunks "
                  "were replaced")
    print(f"index: {settings.index_dir}")
    return 0 if report.indexed_anything else 1


def run_remove(args, settings: Settings) -> int:
    if remove(args.article_id, settings):
        print(f"removed {args.article_id}")
        return 0
    print(f"error: no article {args.article_id!r} in {settings.index_dir}", file=sys.stderr)
    return 1


def run_stats(args, settings: Settings) -> int:
    s = stats(settings)
    for a in s.articles:
        meta = " · ".join(x for x in (a.source, a.date) if x)
        group = f"  [syndicated: {a.group}]" if a.group else ""
        print(f"{a.id}  {a.title[:70]}" + (f"  ({meta})" if meta else "") + f"  {a.chunks} chunks{group}")
    m = s.manifest
    print(f"\n{s.n_articles} articles, {s.n_chunks} chunks · model {m.get('model')} ({m.get('backend')}) · "
          f"chunks of ≤{m.get('chunk_size')} word pieces · {s.index_dir}")
    return 0
