"""Who says what: name folding, "What did X say about Y" questions, and sentence attribution.

Rule based and cheap (regular expressions over a few sentences), so it runs on every query. Hand-written
because no packaged model does attribution offline here: spaCy's wheel is on this machine, but neither its
English pipelines nor a coreference or quotation model (coreferee, BookNLP) comes with weights from the
registries the project installs from, and the embedding model only compares meanings.

A sentence is attributed to a speaker when a name is bound to a reporting verb ("X said", "X has often
said", "“…,” said X", "X, a seller of toys, said", "according to X", "X …, adding"). News writing names
a speaker once and then refers back to them, so a sentence whose reporting verb has a pronoun or a
description for subject ("he added", "the Oscar-winning star said") inherits the speaker of the nearest
sentence before it that names a speaker or starts with a person's name, and a sentence inside an open
quotation inherits from the sentence that opened it. A first name alone ("Rik said") is the full name
written earlier in the article ("Rik Valen").

    >>> from rag.speakers import attribute, parse_question, same_person
    >>> parse_question("What did lopez obrador say about fentanyl?")
    Intent(person='lopez obrador', topic='fentanyl')
    >>> speakers = attribute(["“We are working,” said Garland.", "“It works,” he said."], [0, 0])
    >>> [[s.name for s in ss] for ss in speakers]
    [['Garland'], ['Garland']]
    >>> same_person("López Obrador", "Mr. Lopez Obrador")
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple, Sequence

from rag.answer_type import ROLE_NOUNS
from rag.text import fold

HONORIFICS = frozenset("mr mrs ms dr sir gov sen rep gen president secretary minister".split())
# Words that start a sentence or glue a clause and are capitalised without being names.
NOT_NAMES = frozenset(
    """a an the and but or if so yet for nor as at by in of on to with from after before during despite while when
    where what who which how why this that these those there here it its he she they we i you his her their our
    my your us mexican american u.s us. according earlier early late later last next first many other some most
    both all each every no not one two three on monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    related read more source sources""".split()
)
REPORTING_VERBS = frozenset(
    """said says say told tells denied denies warned warns called calls wrote writes commented comments added adds
    stated states claimed claims argued argues noted notes insisted insists acknowledged acknowledges admitted admits
    explained explains asserted asserts declared declares announced announces urged urges criticized criticised
    suggested suggests predicted predicts vowed vows promised promises pledged stressed stresses emphasized
    replied replies responded responds answered appealed appeals tweeted posted recalled cautioned complained conceded contended
    maintained maintains remarked reiterated rejected dismissed blamed accused agreed disagreed continued asked
    testified estimated reported opposes opposed supports supported favors favored rejects
    specified revealed confirmed disclosed observed joked quipped mentioned described thanked praised""".split()
)
# The last row was added with this change (not measured one by one, but "thanked" and "praised": on the tune half
# of multihop-new.jsonl a follow-up found its key fact, "the … star thanked his wife for …", while a quote item's
# citation precision fell 0.5 -> 0.33 with one more sentence of the same person cited).
# Verbs that can put the speaker after them: "“…,” said Blinken".
INVERTED_VERBS = frozenset("said says added wrote asked continued explained told noted recalled replied".split())
# Words allowed between a speaker and its verb: "López Obrador has often said".
BETWEEN = frozenset("has have had also often repeatedly previously later again then once would will is was has".split())
TITLES = HONORIFICS | frozenset("state attorney general department office house council".split())
PRONOUNS = frozenset("he she they".split())
# Written after a surname, they are not it: "Bo Marsh Jr".
SUFFIXES = frozenset("jr sr ii iii iv".split())
OPEN_QUOTES = "“\"«"
CLOSE_QUOTES = "”\"»"

TOKEN = re.compile(r"[^\W\d_][\w'’\-]*\.?|\d[\d,.]*|[“”\"«»]|[,;:]")


@dataclass(frozen=True)
class Speaker:
    """A name bound to a reporting verb; `inherited` when reached through "he said" or a quote continuation."""

    name: str
    inherited: bool = False


@dataclass(frozen=True)
class Intent:
    """A "What did X say about Y" question: `person` as written, `topic` (None: anything X said)."""

    person: str
    topic: str | None


def name_tokens(name: str) -> list[str]:
    """Folded tokens of a name without honorifics and suffixes: "Mr. López Obrador" -> ["lopez", "obrador"],
    "Bo Marsh Jr" -> ["bo", "marsh"]."""
    words = [w.strip(".'’") for w in re.findall(r"[\w.'’\-]+", fold(name))]
    tokens = [w for w in words if w and w not in HONORIFICS]
    while len(tokens) > 1 and tokens[-1] in SUFFIXES:
        tokens.pop()
    return tokens


def same_person(asked: str, found: str) -> bool:
    """True when `found` names the person `asked` about: the asked surname is one of its words, and when both
    are full names, one's first name is in the other (two people of one family share a surname).

    "Obrador" and "Lopez Obrador" both match "President Andrés Manuel López Obrador";
    "López Obrador" does not match "Ovidio Guzmán López", nor "Rik Valen" "Mara Joy Valen".
    """
    asked_tokens, found_tokens = name_tokens(asked), name_tokens(found)
    if not asked_tokens or asked_tokens[-1] not in found_tokens:
        return False
    return len(asked_tokens) < 2 or len(found_tokens) < 2 or asked_tokens[0] in found_tokens \
        or found_tokens[0] in asked_tokens


_SPEECH_VERBS = (
    r"say|said|tell|told|think|claim|state|deny|denied|warn|argue|comment|write|wrote|call|add|announce|believe|"
    r"mean|remark|suggest|propose|note|respond|reply|replied|admit|acknowledge|describe|criticize|criticise|blame|"
    r"predict|promise|urge|stress|insist|explain|mention"
)
# "Did X mention the packaging?": what these verbs take is the topic itself (one look-behind per form). On the
# tune half of multihop-new.jsonl one of three "did he mention X" follow-ups found its sentence (none before):
# key-fact recall 0.721 -> 0.733, citation precision 0.564 -> 0.572.
_OBJECT_TOPIC_VERBS = "|".join(f"(?<={v})" for v in (
    "mention", "mentions", "mentioned", "criticise", "criticised", "criticize", "criticized", "describe", "described",
    "deny", "denied"))
SPEECH_QUESTION = re.compile(
    r"^\s*(?:and\s+|so\s+|but\s+)?(?:what|how|why|when|where)?\s*(?:else\s+|exactly\s+)?"
    r"(?:did|does|do|has|have|had)\s+(?P<person>.+?)\s+(?:(?:also|ever|really|actually|recently|publicly)\s+)?"
    rf"(?:{_SPEECH_VERBS})\w*\b(?:\s+(?:anything|something|much|else))?(?:\s+(?:about|on|regarding|concerning|of|to|in relation to|with regard to)\s+"
    # "What did X tell the United Nations?": whom they told is what the answer is about.
    r"(?P<topic>.+?)|(?<=tell|told)\s+(?P<audience>(?!(?:anything|something|about)\b).+?)"
    rf"|(?:{_OBJECT_TOPIC_VERBS})\s+(?P<object>(?!(?:anything|something|about)\b).+?))?\s*[?.!]*\s*$",
    re.IGNORECASE,
)
POSITION_QUESTION = re.compile(
    r"^\s*(?:and\s+)?what\s+(?:is|was|are|were)\s+(?P<person>.+?)['’]s?\s+"
    r"(?:position|view|stance|reaction|response|comment|remark|statement|claim|opinion|take)s?\s+"
    r"(?:on|about|to|regarding|of)\s+(?P<topic>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
ACCORDING_QUESTION = re.compile(r"^\s*according\s+to\s+(?P<person>[^,]+?)\s*,\s*(?P<topic>.+?)\s*[?.!]*\s*$", re.I)


WHO_SAID_QUESTION = re.compile(r"^\s*who\s+(?:said|says|wrote|told)\s*:?\s*[\"“](?P<claim>.+)[\"”]\s*\??\s*$", re.I | re.S)


def quoted_claim(question: str) -> str | None:
    """The quoted words of a "Who said "…"?" question (what follow-ups "Who said that?" become).

        >>> quoted_claim('Who said "Mexico processes 140,000 applications"?')
        'Mexico processes 140,000 applications'
    """
    m = WHO_SAID_QUESTION.match(question)
    return m.group("claim").strip() if m else None


def parse_question(question: str) -> Intent | None:
    """The person and topic of a question about what someone said, or None for other questions."""
    for pattern in (SPEECH_QUESTION, POSITION_QUESTION, ACCORDING_QUESTION):
        m = pattern.match(question)
        if not m:
            continue
        person = m.group("person").strip(" ,")
        words = person.split()
        # "What did the report say" names no person; a pronoun is resolved by follow-up handling.
        if not words or len(words) > 6 or fold(words[0]) in {"the", "a", "an", "this", "that", "it", "they", "you", "i", "we"}:
            return None
        topic = m.group("topic") or m.groupdict().get("audience") or m.groupdict().get("object") or ""
        topic = re.split(r"\s+(?:about|on|regarding)\s+", topic, maxsplit=1)[-1]  # "reporters about fentanyl"
        return Intent(person, topic.strip(" ,") or None)
    return None


class _Token(NamedTuple):  # a tuple: built for every word of every candidate sentence, per query
    text: str
    folded: str
    start: int

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()

    @property
    def possessive(self) -> bool:
        return self.text.endswith(("'s", "’s", "s'", "s’"))


def _tokens(sentence: str) -> list[_Token]:
    return [_Token(t, (t.lower() if t.isascii() else fold(t)).rstrip("."), m.start())
            for m in TOKEN.finditer(sentence) for t in (m.group(),)]


def _name_runs(tokens: list[_Token]) -> list[tuple[int, int]]:
    """[start, end) token ranges of capitalised runs that may be names."""
    runs, i = [], 0
    while i < len(tokens):
        if tokens[i].capitalised and tokens[i].folded.strip("'’") not in NOT_NAMES:
            j = i + 1
            while j < len(tokens) and tokens[j].capitalised and not tokens[j - 1].possessive \
                    and tokens[j].folded not in NOT_NAMES:
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def _run_name(tokens: list[_Token], run: tuple[int, int]) -> str:
    words = [t.text for t in tokens[run[0]:run[1]]]
    words[-1] = re.sub(r"['’]s$", "", words[-1]).rstrip(".") if not re.fullmatch(r"[A-Z]\.", words[-1]) else words[-1]
    return " ".join(words)


# Words a sentence may open with before its subject: "But Quist said", "However, he added".
LEADING = frozenset("but and however yet still so also meanwhile instead now then additionally moreover furthermore".split())
# A sentence opening with one of these starts with a phrase before its subject, up to the first comma:
# "During the event in Leeds, Rik began …", "Speaking to the crowd, Rik said …".
LEADING_PHRASE = frozenset(
    """during in at on after before since speaking asked talking writing following with for earlier later
    when while as despite addressing responding although though because if""".split())
# Of those, the ones that open a clause with its own subject: "While Fell didn't want …, he said".
CLAUSE_OPENERS = frozenset("while when although though as after before since because if".split())
# "The Oscar-winning star went on …, adding: “…”": the speaker is the subject of the sentence.
PARTICIPLES = frozenset("adding saying noting explaining insisting stressing arguing warning telling".split())
# The head of a description standing for a person already named: "the Oscar-winning star", "the 55-year-old".
DESCRIPTION_HEAD = re.compile(rf"(?:{ROLE_NOUNS}|[a-z]+(?:ist|ian)|year-old)", re.I)
# A description is "the" and at most this many words before its head ("the Prince of Tides star"). Not measured.
DESCRIPTION_WORDS = 6
# Words between a name and the comma closing its apposition ("X, who sells on Amazon and runs a tool for
# sellers, said"): at most this many. Not measured.
APPOSITION_WORDS = 30


class _Found(NamedTuple):
    """What one sentence says about who speaks in it."""

    names: list[str]  # names bound to a reporting verb
    pronoun: bool  # a reporting verb whose subject is a pronoun or a description: resolved from context
    subject: str | None  # the name the sentence opens with as its subject ("Marsh specified …")
    sourced: bool  # every name came from "according to X": X may be a report, not who speaks
    full_names: list[str]  # every name of two words or more, for "Rik" -> "Rik Valen"
    known: set[str]  # words of names written mid-sentence, in a name of two words or more, or bound to a verb
    by_subject: bool  # "X …, adding": the subject speaks, if the article shows it is a name
    alone: set[str]  # names of one word written mid-sentence ("Valen" in "… that Valen said")


def _description(tokens: list[_Token], j: int) -> bool:
    """True when tokens[j] ends a description of a person: "the Oscar-winning star", "the 55-year-old actor"."""
    if j < 0 or not tokens[j].text[:1].islower() or not DESCRIPTION_HEAD.fullmatch(tokens[j].folded):
        return False
    for i in range(j - 1, max(-1, j - 1 - DESCRIPTION_WORDS), -1):
        if tokens[i].folded == "the":
            return True
        if not tokens[i].text[:1].isalnum() or tokens[i].possessive:
            return False
    return False


def _subject(tokens: list[_Token], runs: list[tuple[int, int]]) -> tuple[str, tuple[int, int] | None]:
    """The sentence's subject: ("name", run); ("pronoun", run) for he / she, with the name of a leading phrase
    it refers to ("While Fell didn't want …, he said") or None; ("pronoun", None) for a description; or
    ("", None)."""
    p = 0
    while p < len(tokens) and (tokens[p].folded in LEADING or tokens[p].text == ","):
        p += 1
    leading: tuple[int, int] | None = None
    if p < len(tokens) and tokens[p].folded in LEADING_PHRASE:
        comma = next((i for i in range(p + 1, min(len(tokens), p + 15)) if tokens[i].text == ","), None)
        if comma is None or any(t.text in OPEN_QUOTES + CLOSE_QUOTES for t in tokens[p:comma]):
            return "", None
        if tokens[p].folded in CLAUSE_OPENERS:  # "While Fell didn't want …,": the clause's subject
            leading = next((r for r in runs if r[0] == p + 1 and r[1] < comma and not tokens[r[1] - 1].possessive
                            and tokens[r[1]].text[:1].islower()), None)
        p = comma + 1
    if p >= len(tokens):
        return "", None
    if tokens[p].folded in ("he", "she"):
        return "pronoun", leading
    run = next((r for r in runs if r[0] == p), None)
    if run is None or (run[1] - run[0] == 1 and tokens[p].text[:1].isupper() and p + 1 < len(tokens)
                       and tokens[p + 1].text[:1].islower()):
        # "Licensed clinical social worker Ada Quist …": a role, then the name.
        q = next((q for q in range(p + 1, min(len(tokens), p + DESCRIPTION_WORDS)) if tokens[q].capitalised), None)
        if q is not None and all(t.text[:1].isalpha() for t in tokens[p:q]) and tokens[q - 1].text[:1].islower() \
                and DESCRIPTION_HEAD.fullmatch(tokens[q - 1].folded):
            run = next((r for r in runs if r[0] == q), run)
    if run is not None:
        after = tokens[run[1]] if run[1] < len(tokens) else None
        if after is not None and not tokens[run[1] - 1].possessive and (
                after.text in (",", "—", "–") or (after.text[:1].islower() and after.folded not in NOT_AFTER_SUBJECT)):
            return "name", run
        return "", None
    if tokens[p].folded == "the":
        for j in range(p + 1, min(len(tokens) - 1, p + 1 + DESCRIPTION_WORDS)):
            if _description(tokens, j) and tokens[j + 1].text[:1].islower():
                return "pronoun", None
    return "", None


# After a name, these show it is not the sentence's one subject ("Secretary of State …", "Pell and Oort").
NOT_AFTER_SUBJECT = frozenset("of and or".split())


def _own_speakers(sentence: str) -> _Found:
    """Who speaks in one sentence, from its own words."""
    tokens = _tokens(sentence)
    runs = _name_runs(tokens)
    names: list[str] = []
    pronoun = by_subject = False
    subject_kind, subject_run = _subject(tokens, runs)
    for k, tok in enumerate(tokens):
        # Mid-sentence verbs are lower case: "United States" is not "X states".
        if not tok.text[:1].islower():
            continue
        if tok.folded in PARTICIPLES and k > 0 and tokens[k - 1].text == ",":
            # "X went on to describe …, adding: “…”": the sentence's subject speaks (unless a verb named who).
            if not names and not pronoun:
                by_subject = subject_kind == "name"  # resolved once the article shows the name is one
                pronoun = subject_kind == "pronoun"
            continue
        if tok.folded not in REPORTING_VERBS:
            continue
        # Subject before the verb, skipping auxiliaries and adverbs ("Will said" is a name, not "will").
        j = k - 1
        while j >= 0 and tokens[j].folded in BETWEEN and not tokens[j].capitalised:
            j -= 1
        if j >= 0 and (tokens[j].folded in PRONOUNS or _description(tokens, j)):
            if subject_kind == "pronoun" and subject_run is not None and tokens[j].folded in ("he", "she"):
                names.append(_run_name(tokens, subject_run))  # "While Fell didn't want …, he said"
            else:
                pronoun = True
            continue
        run = next((r for r in runs if r[1] - 1 == j), None)
        if run and run[0] >= 2 and tokens[run[0] - 1].folded == "of":
            # "Gov. J.B. Pritzker of Illinois wrote": the person is before "of".
            run = next((r for r in runs if r[1] == run[0] - 1), run)
        if run and not tokens[j].possessive:
            names.append(_run_name(tokens, run))
            continue
        if j >= 0 and tokens[j].text == ",":
            # "Bo Marsh Jr, Principal Chief of the Lakeside Nation, noted …": a name opening its clause,
            # then an apposition between commas with no quotation in it.
            appositive = _apposition(tokens, runs, j)
            if appositive is not None:
                names.append(_run_name(tokens, appositive))
                continue
        # Inverted: "“…,” said Blinken" / ", said US Attorney General Merrick Garland".
        if tok.folded in INVERTED_VERBS and k > 0 and tokens[k - 1].text in {",", *CLOSE_QUOTES}:
            run = next((r for r in runs if k + 1 <= r[0] <= k + 2), None)  # "said US Attorney General …"
            if run and tokens[run[1] - 1].possessive:  # "said Tern’s striker Cal Ruddock"
                run = next((r for r in runs if run[1] < r[0] <= run[1] + 3), None)
            if run and tokens[run[1] - 1].folded in TITLES and run[1] + 1 < len(tokens) \
                    and tokens[run[1]].folded == "of":  # "said US Secretary of State Antony Blinken"
                run = next((r for r in runs if r[0] == run[1] + 1), run)
            if run:
                names.append(_run_name(tokens, run))
    sourced = False
    for k in range(len(tokens) - 2):
        if tokens[k].folded == "according" and tokens[k + 1].folded == "to":
            # Skip titles: "according to Secretary of State Antony Blinken".
            run = next((r for r in runs if k + 2 <= r[0] <= k + 6 and tokens[r[1] - 1].folded not in TITLES), None)
            if run:
                sourced = not names
                names.append(_run_name(tokens, run))
    subject = _run_name(tokens, subject_run) if subject_kind == "name" else None
    if sourced and subject and any(c in sentence for c in OPEN_QUOTES):
        # "Rik called the tour a “long experiment”, according to the Daily Post": the
        # quoted words are the subject's, the source only reports them.
        names.insert(0, subject)
        sourced = False
    full = [_run_name(tokens, r) for r in runs if r[1] - r[0] >= 2]
    # Words written as a name where no sentence starts: "Others" or "Although" opening a sentence are not names.
    known = {w for r in runs if r[0] > 0 or r[1] - r[0] >= 2 for w in _run_name(tokens, r).split()}
    return _Found(names, pronoun and not names, subject, sourced, full, known | {w for n in names for w in n.split()},
                  by_subject and not names, {_run_name(tokens, r) for r in runs if r[0] > 0 and r[1] - r[0] == 1})


def _apposition(tokens: list[_Token], runs: list[tuple[int, int]], comma: int) -> tuple[int, int] | None:
    """The name run before an apposition that ends at `comma` ("X, a seller of toys,"), or None."""
    for c in range(comma - 1, max(-1, comma - 1 - APPOSITION_WORDS), -1):
        if tokens[c].text in OPEN_QUOTES or tokens[c].text in CLOSE_QUOTES:
            return None
        if tokens[c].text == ",":
            run = next((r for r in runs if r[1] == c), None)
            opens_clause = run is not None and (run[0] == 0 or tokens[run[0] - 1].folded in LEADING
                                                 or tokens[run[0] - 1].text == ",")
            return run if opens_clause and c < comma - 1 and not tokens[c - 1].possessive else None
    return None


def opens_quote(sentence: str) -> bool:
    """True when the sentence leaves a quotation open (more opening than closing marks)."""
    curly = sentence.count("“") - sentence.count("”")
    return curly > 0 or (sentence.count('"') % 2 == 1 and sentence.lstrip().startswith('"'))


def closes_quote(sentence: str) -> bool:
    """True when the sentence ends a quotation opened before it (its first quotation mark closes one)."""
    first = next((c for c in sentence if c in "“”\""), None)
    if first == "”":
        return True
    return first == '"' and sentence.count('"') % 2 == 1 and not sentence.lstrip().startswith('"')


def _full_name(name: str, full_names: Sequence[str], alone: set[str]) -> str:
    """A first name alone as the full name written before it ("Rik" -> "Rik Valen"), else `name`: a person's,
    whose surname the article also writes alone (`alone`: "Valen showed his support"; not "Harbour City"), and
    not a surname itself ("Boyd" stays, though "Boyd Tower" is written: "Ann Boyd" shows it is one)."""
    if len(name.split()) != 1 or any(f.split()[-1] == name for f in full_names):
        return name
    return next((f for f in reversed(full_names) if f.split()[0] == name and f.split()[-1] in alone), name)


def attribute(sentences: Sequence[str], paragraphs: Sequence[int], lookback: int = 3) -> list[list[Speaker]]:
    """The speakers of each sentence of one article (in order), with pronoun and quote follow-ups resolved.

    A follow-up ("he said", "the actor added") inherits from the nearest sentence at most `lookback`
    sentences back that has a speaker, or, for a pronoun, that opens with a name as its subject; it looks in
    its own paragraph, and in the one before when it opens its paragraph or closes a quotation that does.
    A sentence continuing a quotation inherits from the one that opened it. Two conventions were tried and
    left out: a quotation opening a paragraph continuing the paragraph before (often true, but on the tune
    halves it changed nothing, and it made the seeds' "“Just last month, the DEA concluded …”" Garland's best
    sentence on fentanyl, before his "deadliest drug threat"), and the sentences of a quotation taking the
    speaker named where it closes ("“I'm staying out of it. / I've heard it …,” Ross said."): no change on
    either half of multihop-new.jsonl or seeds-outside.jsonl.
    """
    own = [_own_speakers(s) for s in sentences]
    known = set().union(*(f.known for f in own))
    alone = set().union(*(f.alone for f in own))
    subjects = [f.subject if f.subject and f.subject.split()[-1] in known else None for f in own]
    seen: list[str] = []  # full names written so far
    result: list[list[Speaker]] = []
    open_quote = False
    quote_opens_paragraph = False
    for i, (sentence, found) in enumerate(zip(sentences, own)):
        starts_paragraph = i == 0 or paragraphs[i] != paragraphs[i - 1]
        if starts_paragraph:
            open_quote = False
            quote_opens_paragraph = sentence.lstrip()[:1] in OPEN_QUOTES
        names = found.names or ([subjects[i]] if found.by_subject and subjects[i] else [])
        speakers = [Speaker(_full_name(n, seen, alone)) for n in names]
        seen += found.full_names
        stripped = sentence.lstrip()
        continues_quote = open_quote or (stripped[:1] in OPEN_QUOTES and not names)
        pronoun = found.pronoun and not names
        if not names and (pronoun or continues_quote):
            # A pronoun reaches the paragraph before when it opens its paragraph, or closes a quotation that does.
            crosses = pronoun and (starts_paragraph or (quote_opens_paragraph and open_quote))
            for j in range(i - 1, max(-1, i - 1 - lookback), -1):
                same_para = paragraphs[j] == paragraphs[i]
                if not same_para and not (crosses and paragraphs[j] == paragraphs[i] - 1):
                    break
                if result[j] and not (pronoun and own[j].sourced and subjects[j]):
                    speakers = [Speaker(s.name, inherited=True) for s in result[j]]
                    break
                if pronoun and subjects[j]:
                    speakers = [Speaker(_full_name(subjects[j], seen, alone), inherited=True)]
                    break
                if own[j].names or own[j].pronoun:
                    break  # an unresolved speaker in between: do not reach past it
        result.append(speakers)
        open_quote = (open_quote and not any(c in sentence for c in CLOSE_QUOTES)) or opens_quote(sentence)
    return result
