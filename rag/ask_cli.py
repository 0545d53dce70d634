"""`rag ask "question"` and `rag chat`: the command-line face of `rag.query`.

    rag ask "What did López Obrador say about fentanyl?" --index /tmp/seeds-idx
    rag ask "How many asylum applications does Mexico process a year?" --json --top-k 2
    rag chat --index /tmp/seeds-idx        # empty line or Ctrl-D quits

Answers print as `Answer.to_markdown()`, the text the chat's "Copy as Markdown" gives: one rendering of an
answer and its sources for every place that shows it as text.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from rag.settings import Settings
from rag.types import Filters


def define_ask(p: argparse.ArgumentParser) -> None:
    """answer one question with cited sources"""
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    _add_query_options(p)
    p.set_defaults(handler=run_ask)


def define_chat(p: argparse.ArgumentParser) -> None:
    """ask questions interactively in the terminal (keeps the conversation)"""
    _add_query_options(p)
    p.set_defaults(handler=run_chat)


def _add_query_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--top-k", dest="top_k", type=int, metavar="N", help="at most N cited sentences")
    p.add_argument("--source", dest="sources", action="append", metavar="S", help="only this publisher (repeatable)")
    p.add_argument("--author", dest="authors", action="append", metavar="A",
                   help="only articles by this author, as `rag stats` lists them (repeatable)")
    p.add_argument("--since", type=date.fromisoformat, metavar="DATE", help="only articles dated on or after (YYYY-MM-DD)")
    p.add_argument("--until", type=date.fromisoformat, metavar="DATE", help="only articles dated on or before")


def filters_from(args, settings: Settings) -> Filters | None:
    """The command's filters; an author filter becomes the ids of that author's articles (ValueError: none)."""
    from rag.store import open_library, restrict_to_authors

    f = Filters(sources=tuple(args.sources or ()), date_from=args.since, date_to=args.until)
    if args.authors:
        return restrict_to_authors(open_library(settings), f, args.authors)
    return None if f.is_empty() else f


def run_ask(args, settings: Settings) -> int:
    from rag.assistant import query

    answer = query(args.question, top_k=args.top_k, filters=filters_from(args, settings), index=settings)
    print(answer.to_json(indent=2) if args.json else answer.to_markdown())
    return 1 if answer.error else 0


def run_chat(args, settings: Settings) -> int:
    from rag.assistant import open_assistant, query

    try:
        assistant = open_assistant(settings)
    except Exception as exc:
        print(f"error: {(str(exc).splitlines() or [type(exc).__name__])[0]}", file=sys.stderr)
        return 1
    print("Ask about your articles (empty line to quit). For example:")
    for q in assistant.example_questions(3):
        print(f"  {q}")
    history: list[dict] = []
    filters = filters_from(args, settings)
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            break
        if not question:
            break
        answer = query(question, history=history, top_k=args.top_k, filters=filters, index=assistant)
        if answer.resolved_question and answer.resolved_question != question:
            print(f"({answer.resolved_question})")
        print(answer.to_markdown())
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]
    return 0
