"""What a question says about *when*: a publication-date range, or a wish for the newest reports.

"What happened at the border in October 2023?" searches articles published in that month; "What is the latest
on the fentanyl talks?" asks for the newest relevant report first. The answer shows what was searched
(`TimeScope.describe`), so a reader can see why an article was or was not used.

Phrases are rows of `PERIODS` (a pattern and how it resolves): adding one is one row. Relative phrases ("this
week", "last month", "in the past 10 days") count from `today`; a month without a year ("in October") is the
latest such month on or before the newest article of the library, since a question to a news archive means the
month it covers.

Calendar days ("the report on October 7, 2023") are not ranges here: multi-report questions name each report's
day, and the retriever searches each report's clause within its own day (`rag.retrieve.report_clauses`). For the
same reason a range is applied only when the question names at most one publisher: "The Age's reports before
October 22 and The Verge's coverage" dates one report, not the whole question.

    >>> scope = time_scope("What happened at the border in October 2023?", today=date(2026, 12, 2))
    >>> scope.date_from, scope.date_to, scope.phrase
    (datetime.date(2023, 10, 1), datetime.date(2023, 10, 31), 'in October 2023')
    >>> time_scope("what's the latest on the fentanyl talks", today=date(2026, 12, 2)).newest
    True
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Callable, Mapping, Sequence

from rag.types import Filters

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_MONTH = rf"(?P<month>{'|'.join(MONTHS)}|sept|{'|'.join(m[:3] for m in MONTHS)})\b\.?"
# A calendar day ("October 7, 2023", "Oct 7th 2023", "7 October 2023") or a month ("October 2023", "October").
_DATE = (rf"(?:(?P<dday>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?)?{_MONTH}(?:\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b)?"
         rf"(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?")


@dataclass(frozen=True)
class TimeScope:
    """The publication dates a question asks about: a range (either end open), and/or the newest first.

    `phrase` is the question's own words that said it, shown with the answer.
    """

    date_from: date | None = None
    date_to: date | None = None
    newest: bool = False
    phrase: str = ""
    rest: str = ""  # the question without its time words: what to search for
    event: str = ""  # "the Mexico City talks" of "before the Mexico City talks": dated by `anchored`
    relation: str = ""  # before, after or since the event
    event_day: date | None = None  # the day the event was first reported, once `anchored`

    def is_empty(self) -> bool:
        return not (self.date_from or self.date_to or self.newest or self.event)

    def anchored(self, day: date | None) -> "TimeScope":
        """This scope with its event dated: "before" ends the day before `day`; "after" and "since" start on it
        (the day's own reports may already tell what followed). With no day (no dated article reports the event), the range stays open.

            >>> TimeScope(event="the talks", relation="before", phrase="before the talks").anchored(date(2023, 10, 5)).date_to
            datetime.date(2023, 10, 4)
        """
        if not self.event or day is None:
            return self
        start, end = {"before": (None, day - timedelta(days=1)), "after": (day, None),
                      "since": (day, None)}[self.relation]
        start = max((d for d in (self.date_from, start) if d), default=None)
        end = min((d for d in (self.date_to, end) if d), default=None)
        return replace(self, date_from=start, date_to=end, event_day=day)

    def narrow(self, filters: Filters | None) -> Filters | None:
        """`filters` with this range intersected into its dates (a reader's own filter keeps its tighter ends).
        Articles with no date stay in unless the reader's own filter has a date range: nothing says they fall
        outside the question's."""
        if not (self.date_from or self.date_to):
            return filters
        filters = filters or Filters()
        start = max((d for d in (filters.date_from, self.date_from) if d), default=None)
        end = min((d for d in (filters.date_to, self.date_to) if d), default=None)
        own_range = bool(filters.date_from or filters.date_to)
        return replace(filters, date_from=start, date_to=end, undated=filters.undated or not own_range)

    def describe(self) -> str:
        """One line for the reader: what was searched and which words of the question said so.

            >>> TimeScope(date(2023, 10, 1), date(2023, 10, 31), phrase="in October 2023").describe()
            'Searched articles published 2023-10-01 to 2023-10-31 ("in October 2023").'
        """
        if self.is_empty():
            return ""
        if self.date_from and self.date_to:
            span = (f"published on {self.date_from}" if self.date_from == self.date_to
                    else f"published {self.date_from} to {self.date_to}")
        elif self.date_from:
            span = f"published from {self.date_from}"
        elif self.date_to:
            span = f"published up to {self.date_to}"
        else:
            span = ""
        said = f'"{self.phrase}"' + (f", first reported {self.event_day}" if self.event_day else "")
        if not span and self.event and not self.event_day:
            return f'No dated article reports {self.event}: searched every date ("{self.phrase}").'
        if not span:
            return f'Newest relevant article first ({said}).'
        return f'Searched articles {span}{", newest first" if self.newest else ""} ({said}).'


Resolver = Callable[[re.Match, date, date], "tuple[date | None, date | None] | None"]


def _month_number(name: str) -> int:
    return [m[:3] for m in MONTHS].index(name[:3].lower()) + 1


def _point(m: re.Match, reference: date, prefix: str = "") -> tuple[date, date] | None:
    """The first and last day a date expression (named groups with `prefix`) covers."""
    month = _month_number(m.group(prefix + "month"))
    year_text = m.group(prefix + "year")
    if year_text:
        year = int(year_text)
    else:  # the latest such month on or before the reference day
        year = reference.year if month <= reference.month else reference.year - 1
    day_text = m.group(prefix + "day") or m.group(prefix + "dday")
    try:
        if day_text:
            day = date(year, month, int(day_text))
            return day, day
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:  # "February 30"
        return None


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _months_back(day: date, n: int) -> date:
    month = day.month - n
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


_UNIT_DAYS = {"day": 1, "week": 7}


def _last_n(m: re.Match, today: date, _newest: date):
    n = int(m.group("n")) if m.group("n") else 1
    unit = m.group("unit")
    if unit == "month":
        return _months_back(today, n), today
    if unit == "year":
        return today.replace(year=today.year - n) if not (today.month == 2 and today.day == 29) else date(today.year - n, 2, 28), today
    return today - timedelta(days=n * _UNIT_DAYS[unit]), today


def _in_period(m: re.Match, _today: date, newest: date):
    return _point(m, newest)


def _between(m: re.Match, _today: date, newest: date):
    first, second = _point(m, newest, "a_"), _point(m, newest, "b_")
    if not (first and second):
        return None
    if m.group("a_year") is None and m.group("b_year"):  # "between October 3 and November 2, 2023"
        year = int(m.group("b_year"))
        try:
            first = (first[0].replace(year=year), first[1].replace(year=year))
        except ValueError:
            return None
    return first[0], second[1]


def _since(m: re.Match, _today: date, newest: date):
    point = _point(m, newest)
    return (point[0], None) if point else None


def _after(m: re.Match, _today: date, newest: date):
    point = _point(m, newest)
    return (point[1] + timedelta(days=1), None) if point else None


def _before(m: re.Match, _today: date, newest: date):
    point = _point(m, newest)
    return (None, point[0] - timedelta(days=1)) if point else None


def _renamed(pattern: str, prefix: str) -> str:
    return pattern.replace("(?P<", f"(?P<{prefix}")


# (pattern over the question, resolver): the first row that matches sets the range. Each resolver takes the
# match, today and the library's newest publication day, and returns (first day, last day), either end None.
PERIODS: tuple[tuple[re.Pattern, Resolver], ...] = tuple((re.compile(p, re.IGNORECASE), r) for p, r in (
    (r"\btoday\b", lambda m, today, newest: (today, today)),
    (r"\byesterday\b", lambda m, today, newest: (today - timedelta(days=1), today - timedelta(days=1))),
    (r"\bthis week\b(?!['’]s)", lambda m, today, newest: (_week_start(today), today)),
    (r"\blast week\b(?!['’]s)", lambda m, today, newest: (_week_start(today) - timedelta(days=7),
                                                 _week_start(today) - timedelta(days=1))),
    (r"\bthis month\b(?!['’]s)", lambda m, today, newest: (_month_start(today), today)),
    (r"\blast month\b(?!['’]s)", lambda m, today, newest: (_month_start(_month_start(today) - timedelta(days=1)),
                                                  _month_start(today) - timedelta(days=1))),
    (r"\bthis year\b(?!['’]s)", lambda m, today, newest: (date(today.year, 1, 1), today)),
    (r"\b(?:in |over |during )?the (?:past|last) (?:(?P<n>\d{1,3}) )?(?P<unit>day|week|month|year)s?\b", _last_n),
    (rf"\bbetween\s+{_renamed(_DATE, 'a_')}\s+and\s+{_renamed(_DATE, 'b_')}", _between),
    (rf"\bsince\s+{_DATE}", _since),
    (rf"\bafter\s+{_DATE}", _after),
    (rf"\b(?:before|prior to|until)\s+{_DATE}", _before),
    (rf"\b(?:in|during|throughout)\s+(?:(?:early|late|mid)[- ])?{_DATE}", _in_period),
))

# "the latest on X", "the most recent reports", "newest article": recency of the news itself. An attribute
# ("Hammer's latest book", "recently reported by") is not a wish for the newest report.
_NEWS = r"(?:news|reports?|reporting|articles?|updates?|developments?|coverage|stor(?:y|ies)|headlines?)"
_NEWEST = re.compile("|".join((
    rf"\b(?:latest|most recent|newest|recent)\s+{_NEWS}\b",
    r"\b(?:the|what'?s|whats)\s+(?:very\s+)?(?:latest|most recent|newest)\s+(?:on|about|in|with|from|regarding|concerning|for|of)\b",
    r"\b(?:the|what'?s|whats)\s+(?:very\s+)?(?:latest|newest)\s*[?.!]*\s*$",
    r"^\s*(?:latest|newest|most recent)\b",
    r"\bmost recently\b",
    r"\blately\b",
)), re.IGNORECASE)
# "before the Mexico City talks": an event, dated by the first of the `EVENT_POOL` articles that report it best. A report ("after the
# Sporting News report on ...") is not an event: multi-report questions order reports by their own dates.
_EVENT = re.compile(
    r"\b(?P<relation>before|after|since|prior to|ahead of|following)\s+(?P<event>(?:the|last)\s+(?:[\w'’-]+\s+){0,5}?"
    r"[\w'’-]+)(?=\s*(?:[,?.;!]|$)|\s+(?:what|who|how|when|did|does|do|was|were|is|are|has|have|had)\b)",
    re.IGNORECASE)
_NOT_EVENT = re.compile(r"\b(?:reports?|reporting|articles?|stor(?:y|ies)|coverage|pieces?|posts?|publications?|"
                        r"published|news|interviews?)\b", re.IGNORECASE)
_RELATION = {"before": "before", "prior to": "before", "ahead of": "before", "after": "after", "following": "after",
             "since": "since"}
# "an article discussing the latest developments", "articles on the recent updates": what a report is about,
# not a wish for the newest one.
_DESCRIBED = re.compile(r"\b(?:on|about|discussing|regarding|covering|describing|detailing)\s+(?:the\s+)?$", re.IGNORECASE)
# "before the conclusion of the upcoming weekend": a time, not an event
_NOT_EVENT_TIME = re.compile(r"\b(?:conclusion|end|start|beginning|upcoming|next|coming|this|week|weekend|month|year)\b",
                             re.IGNORECASE)
_DAY_ALONE = re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b", re.IGNORECASE)  # "December 5": a report's day
_NEWEST_LEAD = re.compile(r"^(?:what'?s|whats)\s+", re.IGNORECASE)
# How many of the best-ranked articles the newest is taken from: the newest of a wider pool is more often an
# article about something else that shares a word.
# multihop-time.jsonl tune half, "latest" items whose first citation is the newest relevant article: 5 of 12 for
# every pool from 3 to 12 articles and every share from 0.34 to 0.67 (0.99: 4 of 12); the misses were articles
# outside the best-ranked 20, which the steps below reach.
RECENCY_POOL = 5
# Searches among the articles published after the newest found so far ("the latest on X").
RECENCY_STEPS = 3
EVENT_POOL = 3  # not measured: no gold question names an event in a dated library
# A passage is about the question when it holds this share of the weight of the question's words, each weighted
# by its rarity in the library (`Assistant._about`).
RELEVANT_SHARE = 0.5


def time_scope(question: str, today: date, newest_article: date | None = None, publishers: Sequence[str] = ()) -> TimeScope:
    """The `TimeScope` of `question`. `newest_article` (the library's newest publication day; `today` when
    unknown) anchors a month named without a year; `publishers` are the publishers the question names: their
    names are not time words ("Business Today"), and with two or more a range belongs to one report's clause and
    is not applied to the whole question.

        >>> time_scope("Who resigned this week?", today=date(2026, 12, 2)).describe()
        'Searched articles published 2026-11-30 to 2026-12-02 ("this week").'
        >>> time_scope("What did Biden say in October?", date(2026, 12, 2), newest_article=date(2023, 12, 31)).date_from
        datetime.date(2023, 10, 1)
        >>> time_scope("What was Hammer's latest book?", today=date(2026, 12, 2)).is_empty()
        True
    """
    # Publishers' names are masked (same length, so positions hold): "Business Today" names no day.
    masked = question
    for name in publishers:
        masked = re.sub(re.escape(name), lambda m: " " * len(m.group(0)), masked, flags=re.IGNORECASE)
    found = _NEWEST.search(masked)
    if found and (len(publishers) >= 2 or _DESCRIBED.search(masked[:found.start()])):
        found = None  # several reports, or what one report is about
    phrase = _NEWEST_LEAD.sub("", found.group(0)).strip(" ?.!") if found else ""
    start = end = None
    words: list[tuple[int, str]] = []
    cut = [found.span()] if found else []
    spans: list[tuple[str, tuple[int, int]]] = []  # (which end each range phrase bounds, where it is)
    if len(publishers) < 2:
        reference = newest_article or today
        taken: list[tuple[int, int]] = []
        for pattern, resolve in PERIODS:
            for m in pattern.finditer(masked):
                if any(m.start() < e and s < m.end() for s, e in taken) or not _is_date(m):
                    continue
                span = resolve(m, today, reference)
                if span is None:
                    continue
                taken.append(m.span())
                words.append((m.start(), m.group(0).strip()))
                cut.append(m.span())
                spans.append(("from" if span[1] is None else "to" if span[0] is None else "range", m.span()))
                # Several phrases narrow each other: "after October 4, 2023, and before November 1, 2023".
                start = max((d for d in (start, span[0]) if d), default=None)
                end = min((d for d in (end, span[1]) if d), default=None)
        if not words:
            event = _EVENT.search(masked)
            if event and not _NOT_EVENT.search(event.group("event")) and not _NOT_EVENT_TIME.search(event.group("event")):
                # The event's words stay in the question: they are often what it is about.
                return TimeScope(newest=found is not None, rest=_without(question, cut),
                                 phrase=", ".join(([phrase] if phrase else []) + [event.group(0).strip()]),
                                 event=event.group("event"), relation=_RELATION[event.group("relation").lower()])
    if _several_reports(masked, spans):
        start = end = None
        words, cut = [], [found.span()] if found else []
    phrase = ", ".join(([phrase] if phrase else []) + [w for _, w in sorted(words)])
    return TimeScope(start, end, found is not None, phrase, _without(question, cut))


def _several_reports(question: str, spans: list[tuple[str, tuple[int, int]]]) -> bool:
    """Whether the dates a question names belong to several reports rather than to the whole question: two
    phrases bounding the same end ("the report before October 2 ... the report before October 7"), or a report's
    own day beside a range ("reported before October 1 ... the report on December 5")."""
    ends = [kind for kind, _ in spans]
    if len(ends) != len(set(ends)):
        return True
    outside = "".join(" " if any(s <= k < e for _, (s, e) in spans) else ch for k, ch in enumerate(question))
    return bool(spans) and _DAY_ALONE.search(outside) is not None


def _without(question: str, spans: list[tuple[int, int]]) -> str:
    """`question` with the `spans` cut out: "What is the latest on the strike?" -> "What is the strike?"."""
    if not spans:
        return question
    out, at = [], 0
    for start, end in sorted(spans):
        out.append(question[at:start])
        at = max(at, end)
    out.append(question[at:])
    text = " ".join("".join(out).split())
    return re.sub(r"\s+([?.!,])", r"\1", text).strip(" ,") or question


def newest_relevant(passages: Sequence, dates: Mapping[str, str | None], about: Callable[[str], bool]) -> str | None:
    """The article id with the newest publication day among the articles of the `RECENCY_POOL` best-ranked
    passages that are about the question (`about(passage text)`); None when no such article is dated.

        >>> from types import SimpleNamespace as P
        >>> newest_relevant([P(article_id="a", text="strike at the port"), P(article_id="b", text="new bike lanes")],
        ...                 {"a": "2023-10-01", "b": "2023-12-01"}, lambda text: "strike" in text)
        'a'
    """
    held: dict[str, bool] = {}
    for p in passages:
        if p.article_id not in held and len(held) == RECENCY_POOL:
            continue
        held[p.article_id] = held.get(p.article_id, False) or about(p.text)
    dated = [(dates.get(aid) or "", -k, aid) for k, (aid, ok) in enumerate(held.items()) if ok and dates.get(aid)]
    return max(dated)[2] if dated else None


def _is_date(m: re.Match) -> bool:
    """"may" and "march" are also words: "in May" is a month, "in may be" is not; a capital or a digit decides."""
    month = m.groupdict().get("month") or m.groupdict().get("b_month") or ""
    return month.lower() not in ("may", "mar", "march") or month[0].isupper() or any(ch.isdigit() for ch in m.group(0))
