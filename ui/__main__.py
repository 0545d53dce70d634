"""Run the chat: `python -m ui [--host 127.0.0.1] [--port 7860] [--index DIR]`.

Settings come from defaults < `RAG_*` environment < these flags. The network
libraries are switched offline before Gradio is imported.
"""

from __future__ import annotations

import argparse
import errno
import socket
import sys

from rag.settings import Settings, force_offline


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ui", description="The newsrag chat in a browser.")
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    parser.add_argument("--index", dest="index_dir", metavar="DIR", help="index folder (default .rag/index)")
    parser.add_argument("--chroma-url", dest="chroma_url", metavar="URL", help="a Chroma server instead of the embedded store")
    args = parser.parse_args(argv)
    force_offline()
    settings = Settings.load(overrides=vars(args))
    if problem := _port_problem(settings.host, settings.port):
        sys.exit(f"error: {problem}")

    from ui.app import build_app, launch  # imports gradio: only after force_offline()

    print(f"newsrag chat: index {settings.index_dir}, http://{settings.host}:{settings.port}/", flush=True)
    try:
        launch(build_app(settings), settings)
    except OSError as exc:  # the port was taken while the model loaded
        sys.exit(f"error: {_port_problem(settings.host, settings.port) or str(exc).splitlines()[0]}")


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


if __name__ == "__main__":
    main()
