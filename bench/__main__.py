"""`python -m bench [--full] [--only NAME...]`: the same as `rag bench` (bench/run.py)."""

import sys

from rag.cli import main

sys.exit(main(["bench", *sys.argv[1:]]))
