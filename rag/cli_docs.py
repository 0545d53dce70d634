"""docs/cli.md: every `rag` command's --help, generated so it cannot drift from the code.

    python -m rag.cli_docs            # rewrite docs/cli.md
    python -m rag.cli_docs --check    # exit 1 when docs/cli.md differs from what --help prints

tests/rag/test_cli_docs.py runs the check. The help is formatted at a fixed width (COLUMNS=100), so the file
does not depend on the terminal it was written from.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rag.cli import build_parser
from rag.settings import REPO_ROOT

CLI_DOC = REPO_ROOT / "docs" / "cli.md"
WIDTH = "100"


def render() -> str:
    """The Markdown of docs/cli.md: `rag --help`, then each command's (and each `feed` action's)."""
    with _columns(WIDTH):
        parser = build_parser()
        sections = [("rag", parser)]
        for name, sub in _subparsers(parser).items():
            sections.append((f"rag {name}", sub))
            sections += [(f"rag {name} {action}", p) for action, p in _subparsers(sub).items()]
        out = ["# The `rag` command", "",
               "Generated from each command's `--help` by `python -m rag.cli_docs`; do not edit by hand "
               "(a command is one row of `COMMANDS` in rag/cli.py).", ""]
        for title, p in sections:
            out += [f"## `{title}`", "", "```text", p.format_help().rstrip(), "```", ""]
    return "\n".join(out)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps its subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@contextmanager
def _columns(width: str) -> Iterator[None]:
    """argparse wraps help at the terminal's width (shutil.get_terminal_size reads COLUMNS first)."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = width
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.cli_docs", description="Write docs/cli.md from --help.")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when docs/cli.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not CLI_DOC.is_file() or CLI_DOC.read_text(encoding="utf-8") != text:
            print(f"{CLI_DOC} is stale: run python -m rag.cli_docs", file=sys.stderr)
            return 1
        return 0
    Path(CLI_DOC).write_text(text, encoding="utf-8")
    print(f"wrote {CLI_DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
