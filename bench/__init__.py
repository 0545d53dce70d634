"""Benchmarks: scripts that print tables (never timed tests). `python -m bench` runs them all."""
