"""Run the chat (and the HTTP API beside it): `python -m ui [--host 127.0.0.1] [--port 7860] [--index DIR]`.

The same server as `rag serve` (`api.server`). Settings come from defaults < `RAG_*` environment < these
flags. The network libraries are switched offline before Gradio is imported.
"""

from __future__ import annotations

import argparse

from rag.settings import Settings, force_offline


def server_options(parser: argparse.ArgumentParser) -> None:
    """The flags of `python -m ui` and `rag serve`."""
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1); another needs a user first")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    parser.add_argument("--no-auth", action="store_true",
                        help="no sign-in and no API keys, even on a network address (a trusted network only)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ui", description="The newsrag chat in a browser.")
    server_options(parser)
    parser.add_argument("--index", dest="index_dir", metavar="DIR", help="index folder (default .rag/index)")
    parser.add_argument("--chroma-url", dest="chroma_url", metavar="URL", help="a Chroma server instead of the embedded store")
    args = parser.parse_args(argv)
    force_offline()
    settings = Settings.load(overrides=vars(args))

    from api.server import start  # imports gradio: only after force_offline()

    start(settings, no_auth=args.no_auth)


if __name__ == "__main__":
    main()
