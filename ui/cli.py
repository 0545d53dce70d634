"""`rag serve`, `rag ui` and `python -m ui`: one server with the chat in a browser at `/` and the HTTP API beside
it (`api.server`).

    rag serve [--host 127.0.0.1] [--port 7860] [--index DIR] [--no-auth]
    rag serve --host 0.0.0.0 --port 8080               # needs a user first: rag user add NAME --role admin

Settings come from defaults < `RAG_*` environment < these flags. The network libraries are switched
offline (`rag.cli.main`) before Gradio is imported.
"""

from __future__ import annotations

import argparse

from rag.settings import Settings


def define_ui(p: argparse.ArgumentParser) -> None:
    """the chat in a browser and the HTTP API (/docs) on one port"""
    p.add_argument("--host", help="interface to listen on (default 127.0.0.1); another needs a user first")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--no-auth", action="store_true",
                   help="no sign-in and no API keys, even on a network address (a trusted network only)")
    p.set_defaults(handler=run_ui)


def run_ui(args, settings: Settings) -> int:
    from api.server import start  # imports gradio

    return start(settings, no_auth=args.no_auth)
