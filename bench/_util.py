"""Helpers shared by the benchmark scripts: percentiles, tables, memory, question sets."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from eval.paths import MULTIHOP_DIR, MULTIHOP_QUERIES, SEEDS_GOLD, eval_index_dir
from rag.settings import REPO_ROOT as ROOT, Settings

MULTIHOP_INDEX = eval_index_dir("multihop", Settings())  # what `rag eval --multihop` builds


def percentiles(ms: Sequence[float], ps: Iterable[int] = (50, 95, 99)) -> dict[str, float]:
    """{"p50": ..., "p95": ...} of `ms` (linear interpolation)."""
    return {f"p{p}": float(np.percentile(ms, p)) for p in ps}


def time_each(fn: Callable[[str], object], items: Sequence, warmup: int = 5) -> tuple[list[float], list]:
    """Call `fn` on each item after `warmup` untimed calls; (milliseconds per call, results)."""
    for item in items[:warmup]:
        fn(item)
    ms, results = [], []
    for item in items:
        t = time.perf_counter()
        results.append(fn(item))
        ms.append((time.perf_counter() - t) * 1000)
    return ms, results


def table(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A Markdown table; floats are printed with one decimal."""
    def cell(v):
        return f"{v:.1f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def rss_mb() -> dict[str, float]:
    """Current (VmRSS) and peak (ru_maxrss) resident memory of this process, in MB."""
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    return {"rss_mb": current, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def multihop_questions(n: int) -> list[str]:
    """The first `n` MultiHop-RAG dev questions."""
    data = json.loads(MULTIHOP_QUERIES.read_text(encoding="utf-8"))
    return [q["query"] for q in data[:n]]


def seed_questions() -> list[str]:
    """The questions of the seeds gold set."""
    lines = SEEDS_GOLD.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def multihop_index_ready(path: Path = MULTIHOP_INDEX, articles: int = 609) -> bool:
    """The MultiHop-RAG evaluation index is complete: manifest written and all articles committed."""
    from rag.store import Library, count_articles

    if not (path / "manifest.json").is_file() or not (path / "library.sqlite").is_file():
        return False
    library = Library(path)
    try:
        return count_articles(library.connect()) >= articles
    finally:
        library.close()


def run_json_child(module: str, args: Sequence[str], what: str) -> dict:
    """Run `python -m module` with `args` in a fresh process (its own peak RSS) and parse the JSON it prints last."""
    import subprocess

    out = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{what} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
