"""Follow-up questions resolved against the conversation, without an LLM.

    >>> from rag.followup import resolve
    >>> history = [{"role": "user", "content": "What did Garland say about fentanyl?"},
    ...            {"role": "assistant", "content": "… [1]"}]
    >>> resolve("And what about firearms?", history)
    'What did Garland say about firearms?'
    >>> resolve("Did he mention firearms?", history)
    'Did Garland mention firearms?'
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from rag.speakers import parse_question

WHAT_ABOUT = re.compile(r"^\s*(?:and|but|so)?\s*,?\s*(?:what|how)\s+about\s+(?P<topic>.+?)\s*[?.!]*\s*$", re.I)
# "And in October?", "And on guns?": a bare phrase after "and", not a question of its own ("And what did he say?").
BARE_AND = re.compile(r"^\s*and\s+(?!(?:what|who|whom|whose|which|when|where|why|how|did|does|do|is|was|are|were|has|"
                      r"have|had|can|could|will|would|should)\b)(?P<topic>[^?]{1,60}?)\s*\?*\s*$", re.I)
TIME_PHRASE = re.compile(r"^(?:in|on|during|by|since|before|after)\s+\S.*$", re.I)
CONNECTIVE = re.compile(r"^\s*(?:and|but|so|also)\s*,?\s+", re.I)
WHAT_ELSE = re.compile(r"^\s*(?:and\s+)?what\s+else\b", re.I)
WHO_ELSE = re.compile(r"^\s*(?:and\s+)?(?:who|which\s+\w+)\s+else\b(?P<rest>[^?]*)\??\s*$", re.I)
# The names a question gives: capitalised runs past its first word ("What did Ebrard show" -> "Ebrard").
NAME_RUN = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'’\-]+(?:\s+(?:de\s+|del\s+)?[A-Z][\w'’\-]+)*")
PRONOUN = re.compile(r"\b(he|she|him|her|they|them)\b", re.I)
POSSESSIVE = re.compile(r"\b(his|her|their)\b", re.I)
WHO_SAID_THAT = re.compile(r"^\s*(?:and\s+|but\s+|so\s+)?who\s+(?:said|says|wrote|told\s+\w+)\s+(?:that|this|it|so)\s*[?.!]*\s*$", re.I)
MARKER = re.compile(r"\s*\[\d+\]")


def _user_turns(history: Sequence[Mapping] | None) -> list[str]:
    return [str(m.get("content") or "") for m in history or () if isinstance(m, Mapping) and m.get("role") == "user"]


def resolve(question: str, history: Sequence[Mapping] | None) -> str:
    """The question made self-contained using the last user turns (each resolved in turn).

    "Who said that?" asks about the previous answer's first quoted sentence, not the previous question.
    """
    if WHO_SAID_THAT.match(question):
        claim = _last_answer_sentence(history)
        return f'Who said "{claim}"?' if claim else question
    context: str | None = None
    for turn in _user_turns(history):
        context = _resolve_one(turn, context) if context else turn
    return _resolve_one(question, context) if context else question


def _resolve_one(question: str, previous: str) -> str:
    prev = parse_question(previous)
    person = prev.person if prev else _last_name(previous)
    m = WHAT_ABOUT.match(question) or BARE_AND.match(question)
    if m:
        topic = m.group("topic")
        if prev:
            # "And what about Blinken?" swaps the person; "And what about firearms?" the topic.
            if prev.topic and _looks_like_name(topic):
                return f"What did {topic} say about {prev.topic}?"
            return f"What did {prev.person} say about {topic}?"
        if _looks_like_name(topic) and person:
            # "Who is Alicia Bárcena?" then "What about Rosa Icela Rodríguez?": the same question of another.
            return _swap(previous, person, topic)
        if TIME_PHRASE.match(topic):
            # "How many crossed in September?" then "And in October?": the same question at another time.
            return f"{_without_time(previous).rstrip(' ?.!')} {topic}?"
        return f"{previous.rstrip(' ?.!')}: what about {topic}?"
    if prev and WHAT_ELSE.match(question) and not parse_question(question):
        return f"What did {prev.person} say" + (f" about {prev.topic}?" if prev.topic else "?")
    m = WHO_ELSE.match(question)
    if m:
        # "Which Democrats have complained?" then "Who else?": the same question, others than those named.
        return previous if not m.group("rest").strip() else question
    question = CONNECTIVE.sub("", question, count=1)
    question = question[:1].upper() + question[1:]
    if person and PRONOUN.search(question):
        return POSSESSIVE.sub(f"{person}'s", PRONOUN.sub(person, question, count=1), count=1)
    return question


def _last_name(question: str) -> str | None:
    """The last name a question gives, for "he" / "she" in the next one."""
    names = NAME_RUN.findall(question)
    return names[-1] if names else None


def _swap(question: str, old: str, new: str) -> str:
    return re.sub(re.escape(old), new, question, count=1)


def _without_time(question: str) -> str:
    """`question` without its last time phrase ("in September", "on Oct. 4", "last week")."""
    return re.sub(r"\s+(?:in|on|during|since|before|after)\s+(?:[A-Z][\w.]*\.?(?:\s+\d{1,2})?(?:,?\s+\d{4})?|\d{4})"
                  r"(?=\s*[?.!]*\s*$)|\s+(?:last|this|next)\s+(?:week|month|year)(?=\s*[?.!]*\s*$)", "", question)


def _last_answer_sentence(history: Sequence[Mapping] | None) -> str | None:
    """The first cited sentence of the last assistant turn, markers removed (None if it cited nothing)."""
    answers = [str(m.get("content") or "") for m in history or ()
               if isinstance(m, Mapping) and m.get("role") == "assistant"]
    if not answers or not MARKER.search(answers[-1]):
        return None
    first = MARKER.split(answers[-1], maxsplit=1)[0]
    return " ".join(first.replace('"', "").split()).rstrip(" .") or None


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words)
