"""`python -m bench`: run every benchmark and write bench/results.md (see bench/run.py)."""

from bench.run import main

main()
