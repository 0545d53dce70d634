"""Turn a raw news document into clean story text plus title, source, author and date.

The boilerplate that web scrapes and newspaper reprints carry (reader widgets, "Read more:" lists,
comment forms, author blurbs, photo credits, newsletter prompts...) is described once, in `RULES`,
as patterns of news-page furniture rather than strings of particular articles. Story sentences are
kept verbatim; hard-wrapped lines are rejoined so that no sentence is split across paragraphs.

    >>> from index.load import load_paths
    >>> doc = next(load_paths(["seeds/003_ee9818657214d688.txt"]))
    >>> article = clean_article(doc)
    >>> article.source, article.author
    ('The Boston Globe', 'Eileen Sullivan and Zolan Kanno-Youngs')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from index.load import RawDocument


@dataclass(frozen=True)
class CleanArticle:
    """A cleaned story: `text` has paragraphs separated by exactly one blank line."""

    title: str
    text: str
    source: str | None
    author: str | None
    date: str | None  # ISO "YYYY-MM-DD" when derivable
    url: str | None


@dataclass(frozen=True)
class Rule:
    """One kind of boilerplate: `pattern` is matched against a whole paragraph (case-insensitive).

    action: "drop" removes the paragraph; "list" also removes the list of short link-like
    paragraphs that follows it; "cut" removes it and everything after it; "inline" removes
    each match from the whole text before paragraphs are formed (it may span lines).
    """

    pattern: str
    action: str
    why: str


_WORDS = r"[^\n]{0,120}"  # a short run of text on one line: keeps "line" rules away from real paragraphs

RULES: tuple[Rule, ...] = (
    # -- inline asides --------------------------------------------------------------------------------
    Rule(r"\s*\(Related:[^()]{0,300}\)", "inline", "link to another story inside a paragraph"),
    # -- reader widgets and page furniture ------------------------------------------------------------
    Rule(r"(Published|Updated|Last updated)\s*:[^\n]{0,60}", "drop", "timestamp widget, e.g. 'Published: Updated:'"),
    Rule(r"Enable Read mode|Read mode|\d{2,3}% Font Size|Font Size|Text size", "drop", "reader controls"),
    Rule(r"(Top Content )?Trending( Now| Stories| Content)?", "drop", "trending-box heading"),
    Rule(r"Advertisement|ADVERTISEMENT Article continues below this ad|Sponsored( content)?", "drop", "ad slot label"),
    Rule(r"((Facebook|Twitter|X|Whatsapp|Reddit|Email|LinkedIn|Share|Copy link|Print)\s*){3,}", "drop",
         "row of share buttons"),
    Rule(r"America[’']s Favorite Video Today|Watch now|Skip Ad", "drop", "video-player chrome"),
    Rule(rf"Share All sharing options for:{_WORDS}", "drop", "share-menu label"),
    # -- calls to action --------------------------------------------------------------------------------
    Rule(rf"(For (all )?(the )?latest{_WORDS}?,? )?follow (us|our){_WORDS}", "drop",
         "'follow our Google News channel' prompt"),
    Rule(rf"((Daily|Weekly|Morning|Evening|Free) )?Newsletters?|(Sign up|Subscribe){_WORDS}newsletter{_WORDS}",
         "drop", "newsletter sign-up"),
    Rule(rf"(?-i:CLICK HERE (TO|FOR){_WORDS}|LIKE WHAT YOU[’']RE READING\?{_WORDS})", "drop", "all-caps promo link"),
    Rule(rf"(Go to|Visit|Check out) \S+ for more (updates|news|stories){_WORDS}", "drop", "'Go to X for more updates'"),
    Rule(rf"Watch the video below{_WORDS}", "drop", "embedded-video lead-in"),
    Rule(rf"This video is from the{_WORDS}channel on{_WORDS}", "drop", "embedded-video attribution"),
    # -- media credits and captions ---------------------------------------------------------------------
    Rule(r"Source:\s*(Video )?Screen ?(shot|grab)", "drop", "video-still credit"),
    Rule(r"\?\? [^?\n]{2,80} \?\?[^\n]*", "drop", "PressReader photo credit: '?? NAME/AGENCY ?? caption'"),
    Rule(r"(?-i:[A-Z][A-Z.'’-]+( [A-Z][A-Z.'’-]+)+/[A-Z][A-Z.&'’ -]{2,40})(\s[^\n]*)?", "drop",
         "caption led by an all-caps 'PHOTOGRAPHER/AGENCY' credit"),
    Rule(rf"(Photo(graph)?|Image|Picture|Illustration)s?( credit)?\s*(:|by\s){_WORDS}", "drop", "photo credit line"),
    Rule(r"\((Getty Images|AP Photo|AP|Reuters|AFP)[^()\n]{0,60}\)", "drop", "bare photo-agency credit"),
    # -- lists of other stories and sources: drop the heading and the short items after it ---------------
    Rule(r"(Read more|Read also|More related stories|Related( stories| articles| coverage| Pages)?|More stories)\s*:?",
         "list", "related-story list"),
    Rule(r"Sources? include:?", "list", "list of source sites"),
    # -- footers ---------------------------------------------------------------------------------------
    Rule(r"Source link", "drop", "scraper footer link"),
    Rule(r"Newspapers (in|from) [A-Z][^\n]{0,40}", "drop", "PressReader footer"),
    Rule(r"Your email address will not be published\.?( Required fields are marked \*)?|Required fields are marked \*",
         "drop", "comment-form text"),
    Rule(r"About the authors?", "cut", "author/publisher blurb at the end"),
    Rule(r"Leave a (Reply|Comment)|\d* ?Comments?|Post a comment", "cut", "comment form at the end"),
)

_INLINE = [re.compile(r.pattern, re.I) for r in RULES if r.action == "inline"]
_PARAGRAPH_RULES = [(re.compile(r.pattern, re.I), r.action) for r in RULES if r.action != "inline"]

# Newspaper names end with one of these words ("The Boston Globe", "Daily Mail", "The Age").
_MASTHEAD = re.compile(
    r"(The )?([A-Z][\w.&'’-]*\s+){0,4}(Globe|Times|Post|Journal|Herald|Tribune|News|Chronicle|Gazette|Guardian|"
    r"Independent|Telegraph|Star|Mail|Examiner|Inquirer|Observer|Sun|Register|Dispatch|Bulletin|Courier|Age|"
    r"Standard|Express|Mirror|Review|Record|Press|Reuters|Wire|Daily|Weekly|Monitor|Economist|Today)"
)
_BYLINE = re.compile(r"[-–—•*]?\s*By\s+([A-Z][^\n]{1,120})")
# "Agence France-Presse (AFP) is a French international news agency ..." names the publisher.
_PUBLISHER_BLURB = re.compile(
    r"([A-Z][\w.&'’ -]{2,60}?) \([A-Z]{2,6}\) is an? [^.]{0,100}?\b(news agency|newswire|wire service|newspaper|"
    r"news organi[sz]ation|broadcaster|news outlet)"
)
_TERMINAL = tuple('.!?"”’)…')
# A line that ends on one of these words stops mid-sentence: the next line continues it.
_CONTINUES = frozenset(
    "a an the and or but nor of to in on at by for from with as that which who whom whose than into onto "
    "about over under after before between is are was were be been being has have had will would can could "
    "should may might must its their his her our your this these those said says if when while where".split()
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’)]?\s+(?=[“\"‘A-Z0-9])")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f\u2007\u3000]+")
_TITLE_MAX = 120
# A Markdown link target in parentheses; it may hold one level of parentheses itself, as in
# "(javascript:alert(1))" or a Wikipedia URL, so that no ")" is left in the text.
_LINK_TARGET = r"\((?:[^()\n]|\([^()\n]*\))*\)"
# A paragraph with a speech verb is a reported sentence (a lead that lacks its full stop, "... the mayor
# said"), never a deck or a widget linking to another story.
_SPEECH = re.compile(r"\b(said|says|told|according to|announced|added)\b", re.I)


def clean_article(doc: RawDocument) -> CleanArticle | None:
    """Clean one raw document; None when no story text is left.

    >>> from index.load import RawDocument
    >>> raw = RawDocument("k", "/x/a.txt", "Big News Today\\n\\nIt happened on Monday.\\n\\nSource link", "txt")
    >>> clean_article(raw).text
    'It happened on Monday.'
    """
    text = _normalise(doc.text)
    if doc.format == "md":
        text = _strip_markdown(text)
    for pattern in _INLINE:
        text = pattern.sub("", text)
    paragraphs = _paragraphs(text)

    title, source, author = doc.title, doc.source, doc.author
    if source is None:
        source = _publisher_from_blurb(paragraphs)
    start = 0
    # The header: masthead, headline, deck, byline and widgets, all before the first story paragraph.
    while start < min(len(paragraphs), 8):
        p = paragraphs[start]
        if start == 0 and doc.source is None and _is_masthead(p) and len(paragraphs) > 1 \
                and _is_headline(paragraphs[1]):
            source = p
        elif (byline := _byline(p)) is not None:
            author = author or byline
        elif title and _same_text(p, title):
            pass
        elif _rule_action(p):
            break  # boilerplate is handled with the body, where "list"/"cut" can see what follows
        elif doc.title is None and _is_headline(p) and not (title and _SPEECH.search(p)):
            title = title or p  # later headline-like lines are decks or widgets for other stories
        else:
            break
        start += 1

    body = _drop_boilerplate(paragraphs[start:])
    if not body:
        return None
    return CleanArticle(
        title=title or _first_sentence(body[0]) or Path(doc.path).stem,
        text="\n\n".join(body),
        source=source,
        author=author,
        date=iso_date(doc.date),
        url=doc.url,
    )


def iso_date(raw: str | None) -> str | None:
    """'2023-09-26T17:30:00+00:00' → '2023-09-26'; also 'September 26, 2023', RFC 2822 dates; else None.

    >>> iso_date("Tue, 26 Sep 2023 17:30:00 GMT")
    '2023-09-26'
    """
    if not raw:
        return None
    raw = raw.strip()
    if m := re.match(r"(\d{4})-(\d{2})-(\d{2})", raw):
        try:
            return datetime(int(m[1]), int(m[2]), int(m[3])).date().isoformat()
        except ValueError:
            return None
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(raw).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "").replace("\u200b", "")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _strip_markdown(text: str) -> str:
    """Light markdown removal: headings' #, emphasis, code ticks, quotes, bullets; links keep their text."""
    subs = (
        (r"(?m)^#{1,6}\s+(.*?)\s*#*$", r"\1"),
        (rf"!\[[^\]]*\]{_LINK_TARGET}", ""),
        (rf"\[([^\]]+)\]{_LINK_TARGET}", r"\1"),
        (r"\[([^\]]+)\]\[[^\]]*\]", r"\1"),
        (r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2"),
        (r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])", r"\1"),
        (r"(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)", r"\1"),
        (r"`([^`\n]+)`", r"\1"),
        (r"(?m)^(?:[-*_]\s*){3,}$", ""),
        (r"(?m)^>\s?", ""),
        (r"(?m)^[-*+]\s+", ""),
    )
    for pattern, repl in subs:
        text = re.sub(pattern, repl, text)
    return text


def _paragraphs(text: str) -> list[str]:
    """Blank lines and sentence-final line ends separate paragraphs; hard-wrapped lines are rejoined."""
    paragraphs: list[str] = []
    current = ""
    for line in text.split("\n"):
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
        elif current and _wrapped(current, line):
            current += " " + line
        else:
            if current:
                paragraphs.append(current)
            current = line
    if current:
        paragraphs.append(current)
    return paragraphs


def _wrapped(previous: str, line: str) -> bool:
    """True when `line` continues the sentence `previous` broke off (not a new paragraph or heading)."""
    if previous.endswith(_TERMINAL) or previous.endswith(":"):
        return False
    if previous.endswith((",", ";", "—", "–")) or line[0].islower():
        return True
    return previous.rsplit(" ", 1)[-1] in _CONTINUES


def _rule_action(paragraph: str) -> str | None:
    for pattern, action in _PARAGRAPH_RULES:
        if pattern.fullmatch(paragraph):
            return action
    return None


def _drop_boilerplate(paragraphs: list[str]) -> list[str]:
    kept: list[str] = []
    i = 0
    while i < len(paragraphs):
        action = _rule_action(paragraphs[i])
        i += 1
        if action == "cut":
            break
        if action == "list":
            while i < len(paragraphs) and _is_list_item(paragraphs[i]) and not _rule_action(paragraphs[i]):
                i += 1
        elif action is None:
            kept.append(paragraphs[i - 1])
    return kept


def _is_list_item(paragraph: str) -> bool:
    """A short one-sentence line: a story headline or a site name in a link list."""
    return len(paragraph.split()) <= 30 and not _SENTENCE_END.search(paragraph)


def _is_headline(paragraph: str) -> bool:
    return len(paragraph.split()) <= 25 and not paragraph.endswith(_TERMINAL) and not _SENTENCE_END.search(paragraph)


def _is_masthead(paragraph: str) -> bool:
    return len(paragraph.split()) <= 6 and _MASTHEAD.fullmatch(paragraph) is not None


def _byline(paragraph: str) -> str | None:
    """'- By Eileen Sullivan and Zolan Kanno-Youngs NEW YORK TIMES' → 'Eileen Sullivan and Zolan Kanno-Youngs'."""
    m = _BYLINE.fullmatch(paragraph)
    if not m or len(paragraph.split()) > 20 or paragraph.endswith("."):
        return None
    words = m[1].split()
    while words and len(words[-1]) > 1 and words[-1].isupper():  # trailing all-caps agency, e.g. NEW YORK TIMES
        words.pop()
    names = " ".join(words).strip(" ,|/-–—")
    return names or None


def _publisher_from_blurb(paragraphs: list[str]) -> str | None:
    for p in paragraphs:
        if m := _PUBLISHER_BLURB.match(p):
            return m[1].strip()
    return None


def _same_text(a: str, b: str) -> bool:
    return re.sub(r"\W+", "", a).lower() == re.sub(r"\W+", "", b).lower()


def _first_sentence(paragraph: str) -> str:
    sentence = _SENTENCE_END.split(paragraph, 1)[0].rstrip(".")
    if len(sentence) <= _TITLE_MAX:
        return sentence
    return sentence[:_TITLE_MAX].rsplit(" ", 1)[0] + "…"
