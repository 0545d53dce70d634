"""Progress of a counted job on the command line: `done` of `total` items, their rate and the time left.

On a terminal it is a tqdm bar redrawn in place; in a log or a pipe it is a line every `every` items, and
at least every `seconds` while there is news. Any `(done, total, label)` progress callback takes one, e.g.
`index.ingest` (documents) and `eval.runner.run_gold` (questions).

    >>> with CountProgress("document") as progress:
    ...     ingest(["corpus.json"], settings, progress=progress)
    indexing: 100 of 609 documents (3.1/s, 2:39 left) corpus.json (document 100)
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class CountProgress:
    """A `(done, total, label)` callback drawing progress on `stream` (stderr); `close()` (or `with`) ends it.

    A new `total` starts a new count (fetching pages, then indexing documents), with its own rate. A total of
    0 shows the label alone (e.g. "waiting for another ingest to finish").
    """

    # A line every 100 documents: 100 MultiHop-RAG articles (15 chunks each) take about 20 s at the
    # 70 chunks/s of int8 ingest on 2 cores; a quiet stretch still gets a line every 10 s.
    def __init__(self, unit: str = "document", stream: TextIO | None = None, every: int = 100,
                 seconds: float = 10.0, verb: str = "indexing"):
        self.unit, self.stream, self.every, self.seconds, self.verb = unit, stream or sys.stderr, every, seconds, verb
        self.bar = None  # the terminal's tqdm bar, drawn from the first report on
        self.total, self.began, self.first, self.last_line, self.last_done = -1, time.monotonic(), 0, -float("inf"), 0

    def __call__(self, done: int, total: int, label: str) -> None:
        if total != self.total:  # the rate counts from the first report of this total
            self.total, self.began, self.first, self.last_done = total, time.monotonic(), done, 0
            if self.bar is not None:
                self.bar.reset(total=total or None)
            elif self.stream.isatty():
                from tqdm import tqdm

                self.bar = tqdm(total=total or None, unit=self.unit, file=self.stream, leave=False,
                                dynamic_ncols=True)
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
            self.bar.set_postfix_str(label[:40], refresh=True)
            return
        now = time.monotonic()
        if done // self.every == self.last_done // self.every and now - self.last_line < self.seconds \
                and done < total:
            return
        self.last_line, self.last_done = now, done
        print(f"{self.verb}: {self.count(done, total, now)}{label}", file=self.stream, flush=True)

    def count(self, done: int, total: int, now: float) -> str:
        """'100 of 609 documents (3.1/s, 2:39 left) ', or '' when nothing is counted."""
        if total <= 0:
            return ""
        elapsed = now - self.began
        rate = (done - self.first) / elapsed if elapsed > 0 and done > self.first else 0.0
        left = f", {_clock((total - done) / rate)} left" if rate and done < total else ""
        pace = f" ({rate:.1f}/s{left})" if rate else ""
        return f"{done} of {total} {self.unit}{'s' if total != 1 else ''}{pace} "

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> "CountProgress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _clock(seconds: float) -> str:
    """0:07, 2:39, 1:02:03."""
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
