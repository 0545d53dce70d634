"""`python -m ui [--host H] [--port N] [--index DIR]`: the same as `rag ui` (ui/cli.py)."""

import sys

from rag.cli import main

sys.exit(main(["ui", *sys.argv[1:]]))
