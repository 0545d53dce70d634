"""`rag ui` (also `python -m ui`): the chat in a browser.

    rag ui [--host 127.0.0.1] [--port 7860] [--index DIR]

Settings come from defaults < `RAG_*` environment < these flags. The network libraries are switched
offline (`rag.cli.main`) before Gradio is imported.
"""

from __future__ import annotations

import argparse
import errno
import socket
import sys

from rag.settings import Settings


def define_ui(p: argparse.ArgumentParser) -> None:
    """the chat in a browser (Gradio)"""
    p.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.set_defaults(handler=run_ui)


def run_ui(args, settings: Settings) -> int:
    if problem := _port_problem(settings.host, settings.port):
        print(f"error: {problem}", file=sys.stderr)
        return 1

    from ui.app import build_app, launch  # imports gradio

    print(f"newsrag chat: index {settings.index_dir}, http://{settings.host}:{settings.port}/", flush=True)
    try:
        launch(build_app(settings), settings)
    except OSError as exc:  # the port was taken while the model loaded
        print(f"error: {_port_problem(settings.host, settings.port) or str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


def _port_problem(host: str, port: int) -> str | None:
    """Why the chat cannot listen on host:port (checked before the model loads), or None."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is no clash
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is in use (another chat?); pick another with --port N "
                        f"(bash scripts/app.sh --port N) or RAG_PORT=N")
            return f"cannot listen on {host}:{port} ({exc.strerror})"
    return None
