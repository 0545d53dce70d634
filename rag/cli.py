"""The `rag` command: one entry point for indexing, asking, chatting and evaluating.

    rag index seeds/            # build or update the index (files, folders, URLs)
    rag feed update             # fetch the subscribed RSS/Atom feeds (rag feed --help)
    rag ask "What did López Obrador say about fentanyl?"
    rag chat
    rag stats
    rag user add ada --role editor   # sign-in and API keys (rag user --help, rag key --help)
    rag serve                   # the chat and the HTTP API on one port
    rag eval eval/gold/seeds.jsonl

Every command takes `--index DIR` (or `RAG_INDEX_DIR`).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from rag.settings import Settings, force_offline

# Each module adds its own subcommands with `add_parsers(subparsers, common)`.
COMMAND_MODULES = ("index.cli", "index.feed_cli", "rag.ask_cli", "eval.cli", "rag.accounts_cli", "api.cli")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", dest="index_dir", metavar="DIR", help="index folder (default: RAG_INDEX_DIR or .rag/index)")
    common.add_argument("--chroma-url", dest="chroma_url", metavar="URL", help="use a Chroma server instead of the embedded store")
    parser = argparse.ArgumentParser(prog="rag", description="Offline news Q&A with cited passages.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency, not an absent command module
                raise
            continue
        module.add_parsers(subparsers, common)
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
