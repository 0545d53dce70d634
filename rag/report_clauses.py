"""Question parsing: the calendar days a question names, and its clauses about each report (publisher and/or day).

    >>> [(c.source, str(c.day)) for c in report_clauses("What did Fortune say on May 2, 2023?", ["Fortune"])]
    [('Fortune', '2023-05-02')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from rag.text import fast_fold


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
DAY_MENTION = re.compile(rf"\b({'|'.join(MONTHS)})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?")


def day_mentions(folded: str) -> list[tuple[int, int, date]]:
    """(start, end, day) of the calendar days a folded question names; a day without a year takes the first
    year the question gives, and is skipped when it gives none.

        >>> day_mentions("after the report on october 7, 2023, and the one on october 30th")
        [(20, 35, datetime.date(2023, 10, 7)), (52, 64, datetime.date(2023, 10, 30))]
    """
    found = list(DAY_MENTION.finditer(folded))
    year = next((int(m.group(3)) for m in found if m.group(3)), None)
    out = []
    for m in found:
        try:
            out.append((m.start(), m.end(), date(int(m.group(3) or year), MONTHS.index(m.group(1)) + 1, int(m.group(2)))))
        except (TypeError, ValueError):  # no year anywhere, or no such day
            continue
    return out


@dataclass(frozen=True)
class Clause:
    """The part of a question about one report: its publisher and/or publication day, and the words around them."""

    source: str | None
    day: date | None
    text: str


def report_clauses(question: str, named: Sequence[str]) -> list[Clause]:
    """The reports a question asks about, each with the text between its neighbours' mentions.

    A multi-report question ("X, according to 'Fortune', and Y, as reported by 'The Age'"; "the TechCrunch
    report on October 7, 2023 ... the TechCrunch article on October 30") asks one thing of each report. A
    report is a run of mentions holding at most one publisher and one day; when the question names one
    publisher, every report is that publisher's. On MultiHop-RAG dev the days a question names are the
    publication days of its evidence 96% of the time.

        >>> [(c.source, str(c.day), c.text) for c in report_clauses(
        ...     "Did Fortune say on May 2, 2023 the price fell, while The Age said it rose?", ["Fortune", "The Age"])]
        [('Fortune', '2023-05-02', 'did say on the price fell, while'), ('The Age', 'None', 'the price fell, while said it rose?')]
    """
    folded = fast_fold(question)
    mentions = sorted([(m.start(), m.end(), "source", source) for source in named
                       for m in re.finditer(rf"\b{re.escape(fast_fold(source))}\b", folded)]
                      + [(start, end, "day", day) for start, end, day in day_mentions(folded)], key=lambda m: m[0])
    reports: list[dict] = []
    for start, end, kind, value in mentions:
        current = reports[-1] if reports else None
        complete = current is not None and current["source"] and current["day"]
        if current is None or complete or current[kind] not in (None, value):
            current = {"source": None, "day": None, "spans": []}
            reports.append(current)
        current[kind] = value
        current["spans"].append((start, end))
    clauses = []
    for k, report in enumerate(reports):
        at = reports[k - 1]["spans"][-1][1] if k else 0
        pieces = []
        for start, end in report["spans"]:
            pieces.append(folded[at:start])
            at = end
        pieces.append(folded[at:reports[k + 1]["spans"][0][0] if k + 1 < len(reports) else len(folded)])
        source = report["source"] or (named[0] if len(named) == 1 else None)
        clauses.append(Clause(source, report["day"], " ".join(" ".join(pieces).split())))
    return clauses
