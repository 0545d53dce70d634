"""Cold start: what a fresh `rag ask` costs, from spawn to answer, and where the time goes.

    .venv/bin/python -m bench.cold_start [--runs 3] [--index DIR]

On the seeds index (built in a temporary folder unless --index is given), in fresh processes, one at a time:
  rag ask   `python -m rag.cli ask QUESTION --index DIR`, spawn to exit: what a user waits for
  stages    one fresh process doing what `rag ask` does, step by step, each step timed: interpreter start,
            torch, transformers with the BERT model code MiniLM runs on, chromadb, our modules and the CLI
            parser, opening the index (tokenizer, MiniLM weights read and sha256-checked, Chroma and SQLite
            opened), the first question,
            then a second one (warm, for comparison)
each with the OS file cache warm (a second run) and cold: the virtualenv's and the index's files evicted
with posix_fadvise(DONTNEED) first, as on the first run after installing (pages that another running
process has mapped stay cached, so on a shared machine "cold" is partly warm). The 1-minute load average
is printed beside each figure: on shared cores it explains most of the spread.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._util import ROOT, table

QUESTION = "What did López Obrador say about fentanyl?"
SECOND = "How many asylum applications does Mexico process a year?"
STAGES_CHILD = """
import json, sys, time
stamps = [("interpreter start", time.time())]
def lap(name):
    stamps.append((name, time.time()))
from rag.settings import Settings, force_offline
force_offline()
import torch
lap("import torch")
from transformers import AutoTokenizer
from transformers.models.bert import modeling_bert  # what AutoModel.from_pretrained imports for MiniLM
lap("import transformers and its BERT model code")
import chromadb
lap("import chromadb")
from rag.cli import build_parser
args = build_parser().parse_args(["ask", sys.argv[2], "--index", sys.argv[1]])
from rag.assistant import open_assistant
lap("import rag, index, eval; build the CLI parser")
assistant = open_assistant(Settings.load(overrides=vars(args)))
lap("open the index (tokenizer, weights read and checked, Chroma, SQLite)")
assert not assistant.query(sys.argv[2]).error
lap("first question")
assert not assistant.query(sys.argv[3]).error
lap("second question (warm)")
print(json.dumps(stamps))
"""


def evict(folders: list[Path]) -> int:
    """Drop these folders' files from the OS page cache (unless another process maps them); files touched."""
    n = 0
    for folder in folders:
        for dirpath, _, files in os.walk(folder):
            for name in files:
                try:
                    fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
                except OSError:
                    continue
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                    n += 1
                finally:
                    os.close(fd)
    return n


def rag_ask(index: Path, question: str = QUESTION) -> float:
    """Seconds for one `rag ask` in a fresh process."""
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "rag.cli", "ask", question, "--index", str(index)], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"rag ask failed:\n{out.stderr[-2000:]}")
    return time.perf_counter() - began


def stages(index: Path) -> list[tuple[str, float]]:
    """(step, seconds) of one fresh process doing what `rag ask` does; the first step is the interpreter's start."""
    began = time.time()
    out = subprocess.run([sys.executable, "-c", STAGES_CHILD, str(index), QUESTION, SECOND], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"the stage run failed:\n{out.stderr[-2000:]}")
    stamps = json.loads(out.stdout.strip().splitlines()[-1])
    times = [began] + [t for _, t in stamps]
    return [(name, times[i + 1] - times[i]) for i, (name, _) in enumerate(stamps)]


def build_seeds_index(folder: Path) -> Path:
    from index import ingest
    from rag.settings import Settings, force_offline

    force_offline()
    settings = Settings.load(environ={}, overrides={"index_dir": str(folder / "seeds-index")})
    if not ingest([ROOT / "seeds"], settings).added:
        raise SystemExit("could not index the seeds")
    return Path(settings.index_dir)


def measure(index: Path, runs: int) -> str:
    venv = Path(sys.prefix)
    lines = []
    results: dict[str, dict] = {}
    for cache in ("warm", "cold"):
        asks, loads, steps = [], [], []
        for _ in range(runs):
            if cache == "cold":
                evict([venv, index])
            loads.append(os.getloadavg()[0])
            asks.append(rag_ask(index))
            if cache == "cold":
                evict([venv, index])
            steps.append(stages(index))
        results[cache] = {"asks": asks, "loads": loads, "steps": steps}
    header = ["OS file cache", "`rag ask` median s", "min-max s", "1-min load average"]
    lines.append(table(header, [[cache, statistics.median(r["asks"]), f"{min(r['asks']):.1f}-{max(r['asks']):.1f}",
                                 f"{min(r['loads']):.1f}-{max(r['loads']):.1f}"] for cache, r in results.items()]))
    lines += ["", f"Where the time goes (median of {runs} fresh processes each; steps in the order `rag ask` takes them):", ""]
    names = [name for name, _ in results["warm"]["steps"][0]]
    rows = []
    for i, name in enumerate(names):
        rows.append([name] + [statistics.median(run[i][1] for run in results[c]["steps"]) for c in ("warm", "cold")])
    rows.append(["total"] + [statistics.median(sum(s for _, s in run) for run in results[c]["steps"])
                             for c in ("warm", "cold")])
    lines.append(table(["step", "warm cache s", "cold cache s"], rows))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per measurement")
    parser.add_argument("--index", type=Path, help="an existing index (default: the seeds, indexed in a temp folder)")
    args = parser.parse_args(argv)
    out = ["## Cold start (bench/cold_start.py)", ""]
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        index = args.index or build_seeds_index(Path(tmp))
        out.append(measure(index, args.runs))
    print("\n".join(out))


if __name__ == "__main__":
    main()
