"""Run the chat: `python -m ui [--host 127.0.0.1] [--port 7860] [--index DIR]`.

Settings come from defaults < `RAG_*` environment < these flags. The network
libraries are switched offline before Gradio is imported.
"""

from __future__ import annotations

import argparse

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

    from ui.app import build_app, launch  # imports gradio: only after force_offline()

    print(f"newsrag chat: index {settings.index_dir}, http://{settings.host}:{settings.port}/", flush=True)
    launch(build_app(settings), settings)


if __name__ == "__main__":
    main()
