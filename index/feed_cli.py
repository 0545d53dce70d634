"""`rag feed add|list|remove|update|watch`: RSS and Atom subscriptions from the command line.

    rag feed add https://example.org/news/rss.xml
    rag feed update                 # fetch every feed once; one summary line per feed
    rag feed watch --every 15m      # update, wait, update ... until Ctrl-C
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import datetime

from index.cli import add_fetch_options
from index.feeds import feeds, subscribe, unsubscribe, update_feeds
from rag.cli import common_options
from rag.settings import Settings

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def define_feed(feed: argparse.ArgumentParser) -> None:
    """subscribe to RSS/Atom feeds and index their articles"""
    common = common_options()
    commands = feed.add_subparsers(dest="feed_command", required=True, metavar="ACTION")
    p = commands.add_parser("add", parents=[common], help="subscribe to a feed (fetched at the next update)")
    p.add_argument("url", help="the feed's http(s) address (RSS or Atom)")
    p.set_defaults(handler=run_add)
    p = commands.add_parser("list", parents=[common], help="the subscribed feeds and their last update")
    p.set_defaults(handler=run_list)
    p = commands.add_parser("remove", parents=[common], help="unsubscribe (its articles stay in the library)")
    p.add_argument("url", help="the feed's address as `rag feed list` shows it")
    p.set_defaults(handler=run_remove)
    p = commands.add_parser("update", parents=[common], help="fetch every feed once and index new "
                            "and changed entries")
    add_fetch_options(p)
    p.set_defaults(handler=run_update)
    p = commands.add_parser("watch", parents=[common], help="update every feed, then again every "
                            "--every, until stopped (Ctrl-C)")
    p.add_argument("--every", type=duration, default=duration("15m"), metavar="INTERVAL",
                   help="time between updates: 90s, 15m, 2h, 1d (default 15m)")
    add_fetch_options(p)
    p.set_defaults(handler=run_watch)


def duration(text: str) -> float:
    """'15m' → 900.0 seconds; units s, m, h, d (a bare number is seconds).

    >>> duration("15m"), duration("90"), duration("1.5h")
    (900.0, 90.0, 5400.0)
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not m or float(m[1]) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 90s, 15m, 2h")
    return float(m[1]) * _UNITS[m[2] or "s"]


def run_add(args, settings: Settings) -> int:
    if subscribe(args.url, settings):
        print(f"added feed {args.url}; `rag feed update` fetches it")
    else:
        print(f"feed {args.url} is already subscribed")
    return 0


def run_list(args, settings: Settings) -> int:
    subscribed = feeds(settings)
    for f in subscribed:
        checked = datetime.fromtimestamp(f.checked_at).strftime("%Y-%m-%d %H:%M") if f.checked_at else "never"
        print(f"{f.url}  {f.title or '(title unknown until updated)'}  · {f.entries} entries · "
              f"last update {checked}" + (f": {_after_colon(f.last_result)}" if f.last_result else ""))
    print(f"{len(subscribed)} feed{'s' if len(subscribed) != 1 else ''} · {settings.index_dir}")
    return 0


def run_remove(args, settings: Settings) -> int:
    if unsubscribe(args.url, settings):
        print(f"removed feed {args.url} (its articles stay in the library; `rag remove ID` removes one)")
        return 0
    print(f"error: no feed {args.url!r} in {settings.index_dir}", file=sys.stderr)
    return 1


def run_update(args, settings: Settings) -> int:
    runs = update_feeds(settings)
    if not runs:
        print("no feeds; add one with `rag feed add URL`", file=sys.stderr)
        return 1
    for run in runs:
        print(run.summary(), flush=True)
    return 0 if any(not r.error for r in runs) else 1


def run_watch(args, settings: Settings) -> int:
    try:
        while True:
            print(f"-- {datetime.now():%Y-%m-%d %H:%M:%S}", flush=True)
            run_update(args, settings)
            time.sleep(args.every)
    except KeyboardInterrupt:
        print("stopped", flush=True)
        return 0


def _after_colon(summary_line: str) -> str:
    """'feed URL: new 1, ...' → 'new 1, ...' (the URL is already on the line)."""
    return summary_line.split(": ", 1)[-1]
