"""The `rag` command: one entry point for indexing, asking, chatting, evaluating and benchmarking.

    rag index seeds/            # build or update the index (files, folders, URLs)
    rag feed update             # fetch the subscribed RSS/Atom feeds (rag feed --help)
    rag ask "What did López Obrador say about fentanyl?"
    rag chat                    # in the terminal
    rag ui                      # in the browser (also `python -m ui`)
    rag stats
    rag user add ada --role editor   # sign-in and API keys (rag user --help, rag key --help)
    rag serve                   # the chat and the HTTP API on one port
    rag eval eval/gold/seeds.jsonl
    rag bench --only query

Every command takes `--index DIR` (or `RAG_INDEX_DIR`), `--chroma-url` and `--database-url`. docs/cli.md is
every command's --help (`python -m rag.cli_docs` writes it).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass
from typing import Callable

from rag.settings import Settings, force_offline


@dataclass(frozen=True)
class Command:
    """One `rag` subcommand. `define` ("module:function") names a function `define(parser)` that adds the
    command's arguments and sets `handler`, a function `handler(args, settings) -> exit code`; its docstring's
    first line is the command's help. `common`: the command takes --index, --chroma-url and --database-url
    (`feed` gives them to each of its actions instead; `bench` has no index)."""

    name: str
    define: str
    common: bool = True

    def function(self) -> Callable:
        module, _, name = self.define.partition(":")
        return getattr(importlib.import_module(module), name)


# Adding a command is one row here (docs/cli.md then gains its --help: python -m rag.cli_docs).
COMMANDS = (
    Command("index", "index.cli:define_index"),
    Command("remove", "index.cli:define_remove"),
    Command("stats", "index.cli:define_stats"),
    Command("feed", "index.feed_cli:define_feed", common=False),
    Command("ask", "rag.ask_cli:define_ask"),
    Command("chat", "rag.ask_cli:define_chat"),
    Command("ui", "ui.cli:define_ui"),
    Command("serve", "ui.cli:define_ui"),  # the same server: the chat and the HTTP API
    Command("user", "rag.accounts_cli:define_user", common=False),
    Command("key", "rag.accounts_cli:define_key", common=False),
    Command("migrate", "index.migrate:define_migrate"),
    Command("eval", "eval.cli:define_eval"),
    Command("bench", "bench.run:define_bench", common=False),
)


def common_options() -> argparse.ArgumentParser:
    """--index, --chroma-url and --database-url (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", dest="index_dir", metavar="DIR", help="index folder (default: RAG_INDEX_DIR or .rag/index)")
    common.add_argument("--chroma-url", dest="chroma_url", metavar="URL", help="use a Chroma server instead of the embedded store")
    common.add_argument("--database-url", dest="database_url", metavar="URL",
                        help="keep the library in PostgreSQL (postgresql://user:password@host:5432/db) instead of "
                             "SQLite in the index folder")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(prog="rag", description="Offline news Q&A with cited passages.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        define = command.function()
        summary = (define.__doc__ or "").strip().splitlines()[0]
        p = subparsers.add_parser(command.name, parents=[common] if command.common else [], help=summary,
                                  description=summary)
        define(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    force_offline()
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load(overrides=vars(args))
        return args.handler(args, settings) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one line, not a traceback, for anything a user can cause
        print(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
