"""What kind of answer a question asks for, and the span of a sentence that gives it.

who → a person (for "who is X", the role written next to X's name); how many / how much → a number; when → a
date; where → a place. `expected` reads the question, `find` locates the answering span in a sentence (offsets
into the sentence): the answer highlights it, and the answerability gate counts whether there is one.

    >>> expected("How many migrants crossed in September?"), expected("Who is Mexico's security secretary?")
    ('number', 'person')
    >>> count("The US officials — Antony Blinken, Alejandro Mayorkas and Merrick Garland — met.", "person",
    ...       "Which US officials met?", several=True)
    3
    >>> s = "Mexico was processing 140,000 asylum applications a year."
    >>> s[slice(*find(s, "number", "How many asylum applications?"))]
    '140,000'
    >>> s = "Mexico's security secretary, Rosa Icela Rodríguez, attended."
    >>> s[slice(*find(s, "person", "who is rosa icela rodriguez"))]
    "Mexico's security secretary, Rosa Icela Rodríguez"
"""

from __future__ import annotations

import re

from rag.text import content_words, english_stems, fold

MONTH_NAMES = ("January|February|March|April|May|June|July|August|September|October|November|December|"
               r"Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.")
WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"

# The first row whose pattern matches the question decides. "How big / tall …" and "what … worth" ask for a number
# too: on the tune half of multihop-new.jsonl the two "worth" questions' citation precision 0.5 -> 1.0 (the second
# sentence, on the same subject without a figure, no longer cited); the two "how big" ones unchanged in figures.
QUESTION_KINDS = (
    ("date", re.compile(r"\b(when|what (year|date|day|month|time)|which (year|date|day|month)|since when)\b", re.I)),
    ("number", re.compile(r"\b(how (many|much|long|far|old|often|big|large|tall|high|heavy|fast|wide|deep)|what "
                          r"(number|percentage|share|amount|proportion|price|cost|figure|total)|by how much)\b"
                          r"|^\W*what\b.*\bworth\b", re.I)),
    ("person", re.compile(r"^\W*(?:and\s+|so\s+|but\s+)?(who|whom|whose)\b|\bwhich (\w+ )?(officials?|people|"
                          r"persons?|leaders?|ministers?|secretar(y|ies)|members?|executives?|players?|officers?|"
                          r"politicians?|lawmakers?|senators?|judges?|founders?|ceos?)\b", re.I)),
    ("place", re.compile(r"^\W*(?:and\s+)?where\b|\bwhich (country|countries|city|cities|state|states|region|place)\b",
                         re.I)),
)

# Digits inside a name ("U2", "Covid-19") are no amount: a number starts after no letter (nor letter and hyphen),
# its currency before ("US$41", "$US41"). On the tune half of multihop-new.jsonl key-fact recall 0.721 -> 0.733,
# citation precision 0.565 -> 0.572 ("U2" no longer answers "how many speakers").
NUMBER_SPAN = re.compile(
    r"(?<!\w)(?<![^\W\d_]-)(?:(?:US|U\.S\.|C|A)?[$€£¥](?:US|A|C)?)?\d[\d,.]*"
    r"(?:\s*(?:%|percent|per cent|million|billion|trillion|thousand))?"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"dozens?|hundreds|thousands|millions|half|double|triple)\b(?:[\s-]+(?:million|billion|thousand|hundred))?", re.I)
# Numbers that give no amount: a bare integer right after a capitalised word past the sentence's first ("Refinery 29",
# "Windows 11": part of a name), and "one" as a pronoun ("the one before", "one of the"). On the tune half of
# multihop-new.jsonl citation precision 0.623 -> 0.627 ("Refinery 29" no longer answers "how many publishers").
NAME_NUMBER = re.compile(r"(?<=\S )[A-Z][\w'’\-]*\s+$")
BARE_INTEGER = re.compile(r"\d+[,.]?")
# A bare integer after a word that numbers things in a series ("speaker gen 3", "Game 7", "Season 2") is a place in
# it, and a number word written capitalised after a capitalised word is part of a name ("Sonos One", "Formula One"):
# on the tune half of multihop-new.jsonl "gen 3" and "Sonos One" were the figures of two of the three sentences cited
# for "how many speakers".
SERIAL_BEFORE = re.compile(r"\b(?:gen|generation|version|season|episode|series|phase|part|round|game|stage|tier|"
                           r"level|chapter|volume|vol\.|no\.|number|model|mark|type|class|category)\s+$", re.I)
PRONOUN_ONE_BEFORE = re.compile(r"\b(?:the|no|each|every|any|this|that|which|another)\s+$", re.I)
PRONOUN_ONE_AFTER = re.compile(r"^\s+(?:of|another)\b", re.I)


def _no_amount(sentence: str, m: re.Match) -> bool:
    """True for a number span that names or points rather than counts (`NAME_NUMBER`, `SERIAL_BEFORE`, the pronoun
    "one")."""
    before, after = sentence[:m.start()], sentence[m.end():]
    if BARE_INTEGER.fullmatch(m.group()) and (NAME_NUMBER.search(before) or SERIAL_BEFORE.search(before)):
        return True
    if m.group()[:1].isupper() and NAME_NUMBER.search(before):
        return True
    return m.group().lower() == "one" and bool(PRONOUN_ONE_BEFORE.search(before) or PRONOUN_ONE_AFTER.match(after))


DATE_SPAN = re.compile(
    rf"\b(?:(?:{MONTH_NAMES})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}\s+(?:{MONTH_NAMES})(?:\s+\d{{4}})?"
    rf"|(?:{MONTH_NAMES})(?:\s+\d{{4}})?|(?:last|next|this)\s+(?:week|month|year|{WEEKDAYS})|(?:{WEEKDAYS})"
    rf"|(?:19|20)\d{{2}}|yesterday|today|tomorrow)\b")
# A capitalised run of two or more words, e.g. "Rosa Icela Rodríguez", allowing particles ("de", "van").
NAME_SPAN = re.compile(r"\b[A-Z][\w'’\-]+(?:\s+(?:de |del |la |van |von |bin |al )?[A-Z][\w'’\-]+)+\b")
PLACE_SPAN = re.compile(r"\b(?:in|at|from|to|near|into)\s+(?:the\s+)?([A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+){0,3})")
NOT_NAME_START = frozenset("The A An In On At For But And This That These Those It He She They We Mr Mrs Ms Dr".split())
# A capitalised run that ends in one of these names a body, a place or an event, not a person ("State Department
# officials", "the US-Mexico High-Level Security Dialogue", "New York City").
NOT_PERSON_END = frozenset(
    "Department Ministry Office House Council Agency Committee Commission Court University College School Party "
    "Union Bank Fund Group Inc Corp Company Association Institute Foundation Administration Authority Service "
    "Times News Post Journal Street City States Kingdom Republic Dialogue Act Bill Summit Day Week Conference "
    "Forum Games Cup League Club Airport Hospital Center Centre Museum Park Bridge Square".split())
# "Secretary of State " / "Bank of England " right before a name span belongs to its title: the span is widened
# over it, so the highlight never starts inside a title ("State Antony Blinken").
TITLE_OF_BEFORE = re.compile(r"(?:[A-Z][\w'’\-]*\s+(?:of|for)\s+)+$")
WHO_IS = re.compile(r"^\W*who\s+(?:is|was|are|were)\s+(?P<name>.+?)\s*[?.!]*\s*$", re.I)
# ", Mexico's foreign minister," / ", the security secretary,": opened by a determiner or a possessive, or closed
# by a comma.
APPOSITION = re.compile(r",\s+((?:(?:the|a|an|his|her|its|their)\s+|[A-Z][\w.]*['’]s\s+)[^,;“”\"]{3,60}?(?=[,;.]|$)"
                        r"|[^,;.“”\"]{3,60}?(?=,))")
TITLE_BEFORE = re.compile(r"((?:[A-Z][\w'’\-]*\.?\s+){1,6})$")  # "Mexican Foreign Minister " before the name
# A role written in lower case right before the name, with no comma: "Amazon general counsel David Zapolsky",
# "director of rugby Rassie Erasmus". Its head is a word that names a role (a row of `ROLE_NOUNS`, or a word ending
# like "economist" or "musician"), and up to four words before it qualify it. On the tune half of
# multihop-new.jsonl the role is found in the evidence sentence of 14 of 15 who-is questions (8 before); key-fact
# recall 0.721 -> 0.733, citation precision 0.541 -> 0.572.
ROLE_NOUNS = ("chief|ceo|cfo|coo|cto|founder|co-founder|cofounder|president|vice-president|chair|chairman|chairwoman|"
              "chairperson|director|head|manager|boss|coach|minister|secretary|commissioner|counsel|lawyer|attorney|"
              "spokesperson|spokesman|spokeswoman|officer|official|analyst|editor|reporter|correspondent|professor|"
              "researcher|worker|judge|senator|governor|mayor|lawmaker|representative|leader|partner|investor|"
              "adviser|advisor|strategist|owner|captain|player|striker|midfielder|defender|goalkeeper|quarterback|"
              "linebacker|actor|actress|singer|rapper|star|author|writer|doctor|physician|ambassador|commander|"
              "member|chancellor|executive|principal|superintendent|prosecutor|regulator|negotiator|envoy")
# Words of a title written in capitals before a name ("Attorney General", "Foreign Minister", "Gov.").
TITLE_WORD = re.compile(rf"(?:{ROLE_NOUNS}|general|deputy|acting|prime|premier|king|queen|prince|princess|pope|"
                        r"sheikh|rep|sen|gov|lt|col|gen|sgt)\.?", re.I)
ROLE_HEAD = rf"(?:{ROLE_NOUNS}|[a-z]+(?:ist|ian))(?:\s+of\s+[\w'’\-]+)?"
# Up to four qualifying words, none a word that links a clause ("with", "said") to the role.
QUALIFIERS = (r"(?<![\w'’.\-])(?:(?!(?:with|by|and|or|said|says|from|to|for|at|in|on|as|when|after|while|ago)\b)"
              r"[\w'’.\-]+\s+){0,4}")
ROLE_BEFORE = re.compile(rf"({QUALIFIERS}{ROLE_HEAD}),\s+$", re.I)  # "security secretary, " before the name
ROLE_NOUN_BEFORE = re.compile(rf"({QUALIFIERS}{ROLE_HEAD})\s+$", re.I)


# The unit a number question asks its number in, read from the question; a sentence's number "fits" when that unit
# is written right by it. Money: a currency sign or name; a share: a percent; "how long": a time or a length; "how
# many N": N itself a few words from the number ("157,000 ultra-directional speakers", "a subscriber base of over 4
# million"). A question naming none of these asks for no unit.
MONEY_QUESTION = re.compile(r"\b(cost|costs|price|prices|priced|pay|paid|money|worth|valu(e|ed|ation)|revenue|"
                            r"raise|raised|fine|fined|penalt(y|ies)|spend|spent|salary|earn|earned|charge|charged|"
                            r"funding|fund|sell for|sold for|bid|offer|deal|takeover|acquisition)\b", re.I)
SHARE_QUESTION = re.compile(r"\bwhat (percentage|share|proportion|fraction|portion)\b|\bhow much of\b", re.I)
HOW_MANY = re.compile(r"\bhow many\s+((?:[\w'’\-]+\s+){0,3}?[\w'’\-]+)(?=\s+(?:do|does|did|has|have|had|is|are|was|"
                      r"were|will|would|can|could|of|in|on|at|from|for|against|per|a|each|every|over|to)\b"
                      r"|\s*[?.!]|\s*$)",
                      re.I)
MEASURE_QUESTION = re.compile(r"\bhow (long|far|old|often|big|large|small|tall|high|wide|deep|heavy|fast)\b", re.I)
MONEY_AT = re.compile(r"[$€£¥]|\b(dollars?|pounds?|euros?|yen|rupees?|cents?|pence)\b", re.I)
PERCENT_AT = re.compile(r"^\s*(%|percent\b|per cent\b|percentage points?\b)", re.I)
TIME_UNITS = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|nights?)"
LENGTH_UNITS = (r"(?:miles?|kilomet(?:er|re)s?|km|met(?:er|re)s?|feet|foot|ft|inch(?:es)?|yards?|"
                r"centimet(?:er|re)s?|cm|mm|pages?)")
WEIGHT_UNITS = r"(?:kilograms?|kg|grams?|pounds?|lbs?|tons?|tonnes?|ounces?|oz)"
MEASURE_UNIT = {
    "long": rf"{TIME_UNITS}|{LENGTH_UNITS}",
    "far": LENGTH_UNITS,
    "old": r"years?[\s-]+old|-year-old|years?",
    "often": r"times?|(?:a|per|every|each)\s+(?:day|week|month|year)",
    "big": rf"%|percent|per cent|{LENGTH_UNITS}|{WEIGHT_UNITS}|square|acres?|hectares?|GB|TB|MB|inches",
    "fast": r"mph|km/h|kph|miles? (?:an|per) hour|knots|times|%|percent",
}
for _w in ("large", "small", "tall", "high", "wide", "deep", "heavy"):
    MEASURE_UNIT[_w] = MEASURE_UNIT["big"]


def unit_fits(sentence: str, question: str) -> bool | None:
    """Whether a number of `sentence` that answers the number question `question` (`find`) comes in the unit it
    asks for; None when the question asks for no unit (`MONEY_QUESTION`, `SHARE_QUESTION`, `HOW_MANY`,
    `MEASURE_QUESTION`).

        >>> unit_fits("There are 157,000 ultra-directional speakers.", "How many speakers does the Sphere have?")
        True
        >>> unit_fits("It is short of the Sphere’s 270-degree view.", "How many speakers does the Sphere have?")
        False
        >>> unit_fits("A call of five minutes is free.", "How much does the test cost?")
        False
    """
    spans = _amounts(sentence, fold(question))
    if SHARE_QUESTION.search(question):
        return any(PERCENT_AT.match(sentence[m.end():]) or m.group().endswith(("%", "percent", "per cent"))
                   for m in spans)
    if MONEY_QUESTION.search(question) and re.search(r"\bhow much\b|\bworth\b|\bwhat (price|cost|amount)\b",
                                                     question, re.I):
        return any(MONEY_AT.search(sentence[max(0, m.start() - 4):m.end() + 12]) for m in spans)
    many = HOW_MANY.search(question)
    if many:
        # The words counted ("lethal doses", "people died"): any of them by the number, or a word holding its first
        # letters but the last two ("migra" in "immigrants" for "migrants").
        counted = set(english_stems(content_words(many.group(1))))
        for m in spans:
            words_after = re.findall(r"[\w'’\-]+", sentence[m.end():])[:3]
            near = content_words(" ".join(words_after + re.findall(r"[\w'’\-]+", sentence[:m.start()])[-4:]))
            near_stems = set(english_stems(near))
            if any(c in near_stems or (len(c) >= 5 and any(c[:max(5, len(c) - 2)] in w for w in near))
                   for c in counted):
                return True
        return False
    measure = MEASURE_QUESTION.search(question)
    if measure and measure.group(1).lower() in MEASURE_UNIT:
        units = MEASURE_UNIT[measure.group(1).lower()]
        after = re.compile(rf"^[\s-]*(?:{units})(?!\w)", re.I)  # "7.4 inches", "172-page"
        inside = re.compile(rf"(?:{units})$", re.I)  # "6%", the number span's own unit
        return any(after.match(sentence[m.end():]) or inside.search(m.group()) for m in spans)
    return None


def expected(question: str) -> str | None:
    """The kind of answer `question` asks for: "person", "number", "date", "place", or None."""
    for kind, pattern in QUESTION_KINDS:
        if pattern.search(question):
            return kind
    return None


PLURAL = re.compile(r"\bwhich\s+(?:\w+\s+)?(?:officials|people|persons|leaders|ministers|secretaries|members|"
                    r"executives|players|officers|politicians|lawmakers|senators|judges|founders|ceos|countries|"
                    r"cities|states|companies|teams|democrats|republicans)\b|\bwho\s+(?:were|are|else)\b|"
                    r"\bname\s+(?:the|all)\b", re.I)


def asks_for_several(question: str) -> bool:
    """True for list questions ("Which officials travelled …?", "Who were the …?") and questions that ask of two
    things at once ("How many arrests in August and in September?")."""
    return bool(PLURAL.search(question)) or " and " in question


def count(sentence: str, kind: str | None, question: str, several: bool = False) -> int:
    """How many answers of `kind` the sentence gives: 0 or 1, or for a list question (`several`) the number of
    distinct names (or other spans) it holds that the question does not."""
    if kind is None:
        return 0
    if not several:
        return int(find(sentence, kind, question) is not None)
    found, at = 0, 0
    while found < 5:
        span = find(sentence[at:], kind, question)
        if span is None:
            break
        found, at = found + 1, at + span[1]
    return found


# What may stand between two answers of one list: a comma or "and", and a title in capitals ("…, and Attorney General ").
LIST_GLUE = re.compile(r"[,;]?\s*(?:(?:and|or|as well as)\s+)?(?:[A-Z][\w'’\-]*\.?\s+)*")


def answer_span(sentence: str, kind: str | None, question: str) -> tuple[int, int] | None:
    """The span of `sentence` to highlight as the answer: `find`'s, and for a list question the whole run of
    answers written one after another ("A, B, and C").

        >>> s = "The officials — Ida Brun, Odo Fenn and Lea Dunmore — met."
        >>> s[slice(*answer_span(s, "person", "Which officials met?"))]
        'Ida Brun, Odo Fenn and Lea Dunmore'
    """
    span = find(sentence, kind, question)
    if span is None or not asks_for_several(question):
        return span
    start, end = span
    while True:
        following = find(sentence[end:], kind, question)
        if following is None or not LIST_GLUE.fullmatch(sentence[end:end + following[0]]):
            return start, end
        end += following[1]


def who_is(question: str) -> str | None:
    """The name a "who is X" question asks about ("who is alicia barcena" -> "alicia barcena"); None when X is a
    description ("Who was the adviser who joined Blinken?" asks for a name, not a role)."""
    m = WHO_IS.match(question)
    if not m:
        return None
    words = m.group("name").split()
    return m.group("name") if len(words) <= 4 and fold(words[0]) not in {"the", "a", "an", "this", "that"} else None


def _amounts(sentence: str, asked: str) -> list[re.Match]:
    """The number spans of `sentence` that give an amount the (folded) question `asked` does not: not a day of a date
    ("from 1 April", "Oct. 4", "2020"), not a name's number nor the pronoun "one" (`_no_amount`)."""
    dates = [(d.start(), d.end()) for d in DATE_SPAN.finditer(sentence)]
    return [m for m in NUMBER_SPAN.finditer(sentence) if fold(m.group()) not in asked
            and not any(a <= m.start() < b for a, b in dates) and not _no_amount(sentence, m)]


def find(sentence: str, kind: str | None, question: str) -> tuple[int, int] | None:
    """[start, end) in `sentence` of the span that answers a question of `kind`, or None.

    Names and numbers already in the question do not answer it ("How many migrants crossed in 2023?" is not
    answered by "2023"); for "who is X" the answer is the role written next to X.
    """
    if kind is None:
        return None
    asked = fold(question)

    def new(m: re.Match, group: int = 0) -> bool:
        return fold(m.group(group)) not in asked

    if kind == "number":
        return next(((m.start(), m.end()) for m in _amounts(sentence, asked)), None)
    if kind == "date":
        return next(((m.start(), m.end()) for m in DATE_SPAN.finditer(sentence) if new(m)), None)
    if kind == "place":
        return next(((m.start(1), m.end(1)) for m in PLACE_SPAN.finditer(sentence) if new(m, 1)), None)
    subject = who_is(question)
    if subject:
        return _role_of(sentence, subject)
    for m in NAME_SPAN.finditer(sentence):
        words = [(w.start(), w.end(), w.group()) for w in re.finditer(r"\S+", m.group())]
        while words and words[0][2] in NOT_NAME_START:
            words.pop(0)
        # The name is what follows the last title word: "Homeland Security Secretary | Alejandro Mayorkas".
        titled = [i for i, w in enumerate(words) if TITLE_WORD.fullmatch(w[2])]
        title, name = (words[:titled[-1] + 1], words[titled[-1] + 1:]) if titled else ([], words)
        while name and fold(name[0][2]) in asked:
            name.pop(0)
        if (len(name) < 2 or re.fullmatch(MONTH_NAMES, name[0][2]) or any(fold(w) in asked for _, _, w in name)
                or name[-1][2] in NOT_PERSON_END):
            continue
        if any(fold(w) in asked for _, _, w in title):
            # Title words the question gives are not its answer: "White House Homeland Security Advisor Liz
            # Sherwood-Randall" for "Who was the White House Homeland Security Advisor …?" answers with the name.
            title = []
        first = (title or name)[0]
        start = m.start() + first[0]
        widened = TITLE_OF_BEFORE.search(sentence[:start]) if first is words[0] else None
        return (widened.start() if widened else start), m.start() + name[-1][1]
    return None


def _role_of(sentence: str, subject: str) -> tuple[int, int] | None:
    """`subject`'s name in `sentence` with the role written next to it: "Foreign Minister Alicia Bárcena",
    "Alicia Bárcena, Mexico's foreign minister,"; None when the sentence gives the name alone."""
    names = subject.split()
    folded = fold(sentence)  # the same length as the sentence for Latin text, so offsets carry over
    if not names or len(folded) != len(sentence):
        return None
    whole = re.search(r"\s+".join(re.escape(fold(n)) for n in names), folded)
    if whole:  # the name as the question gives it
        given, end = whole.span()
    else:  # the surname alone: a capitalised word before it may be another first name ("Loretta Rogers")
        given = folded.find(fold(names[-1]))
        if given < 0:
            return None
        end = given + len(names[-1])
    apposition = APPOSITION.match(sentence, end)
    if apposition:  # "Alicia Bárcena, Mexico's foreign minister, said"
        return given, apposition.end(1)
    before = ROLE_BEFORE.search(sentence[:given])
    if before:  # "Mexico's security secretary, Rosa Icela Rodríguez"
        return before.start(1), end
    title = TITLE_BEFORE.search(sentence[:given]) if whole or len(names) == 1 else None
    if title:  # "Mexican Foreign Minister Alicia Bárcena"
        return title.start(1), end
    role = ROLE_NOUN_BEFORE.search(sentence[:given])
    if role:  # "Amazon general counsel David Zapolsky"
        return role.start(1), end
    return None
