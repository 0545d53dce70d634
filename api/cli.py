"""`rag serve`: the chat and the HTTP API on one port (see `api.server`).

    rag serve --index .rag/index                       # http://127.0.0.1:7860/
    rag serve --host 0.0.0.0 --port 8080               # needs a user first: rag user add NAME --role admin
"""

from __future__ import annotations

import argparse

from rag.settings import Settings
from ui.__main__ import server_options


def add_parsers(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("serve", parents=[common], help="the chat and the HTTP API (/docs) on one port")
    server_options(p)
    p.set_defaults(handler=run_serve)


def run_serve(args, settings: Settings) -> int:
    from api.server import start  # imports gradio

    start(settings, no_auth=args.no_auth)
    return 0
