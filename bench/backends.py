"""The two library backends side by side, in one run: SQLite in the index folder vs PostgreSQL (RAG_DATABASE_URL).

    .venv/bin/python -m bench.backends [--multihop .rag/eval/index-multihop] [--n 120] [--articles 100]
                                       [--only query ingest scale]

A PostgreSQL server is started for the run (initdb on a temporary folder, a free loopback port: the helper the
tests use), and each library is copied into it with `rag migrate --to`, so both backends read the same articles and
the same Chroma vectors (the index folder's embedded collection).
  query    warm `query()` over N MultiHop-RAG dev questions on a copy of the MultiHop-RAG index: one Assistant per
           backend in one process, each question asked of both in turn (alternating which goes first), so both see
           the same load. Target: PostgreSQL p50 <= 1.5x SQLite.
  ingest   `index.ingest` of the first A MultiHop-RAG articles into a new library, SQLite vs PostgreSQL, each in a
           fresh process with the model loaded beforehand (as bench/ingest.py), in the order SQLite, PostgreSQL,
           PostgreSQL, SQLite. Target: PostgreSQL chunks/s >= 90% of SQLite.
  scale    warm `query()` at 100k chunks: bench/scale.py's synthetic library (cached under .rag/bench/), migrated to
           PostgreSQL, beside the same library in SQLite. Target: PostgreSQL p50 <= 60 ms.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.settings import Settings, force_offline

force_offline()  # before torch is imported anywhere (OMP_WAIT_POLICY)

from bench._util import (
    MULTIHOP_DIR, MULTIHOP_INDEX, ROOT, multihop_index_ready, multihop_questions, percentiles, run_json_child, table,
)

SCALE_SIZE = 100_000
PARTS = ("query", "ingest", "scale")
BACKENDS = ("SQLite", "PostgreSQL")


def backend_settings(index: Path, database_url: str | None) -> Settings:
    """The index folder's library in SQLite (`database_url` None) or the same library in PostgreSQL."""
    return Settings.load(environ={}, overrides={"index_dir": str(index), "database_url": database_url})


def migrate(index: Path, database_url: str) -> str:
    """`rag migrate --to database_url` of the SQLite library in `index`; the line it ends with."""
    out = subprocess.run([sys.executable, "-m", "rag.cli", "migrate", "--to", database_url, "--index", str(index)],
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"rag migrate failed on {index}:\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


# ------------------------------------------------------------------------------------------------ query
def measure_query(index: Path, database_url: str, n: int) -> dict:
    """Runs in a fresh process: `query()` on both backends, question by question in turn."""
    from rag.assistant import Assistant

    questions = multihop_questions(n)
    assistants = {"SQLite": Assistant(backend_settings(index, None)),
                  "PostgreSQL": Assistant(backend_settings(index, database_url))}
    for assistant in assistants.values():  # warm-up: model, caches, connections
        for q in questions[:5]:
            assistant.query(q)
    ms: dict[str, list[float]] = {name: [] for name in assistants}
    kinds: dict[str, list[str]] = {name: [] for name in assistants}
    for i, q in enumerate(questions):
        order = BACKENDS if i % 2 == 0 else BACKENDS[::-1]
        for name in order:
            began = time.perf_counter()
            answer = assistants[name].query(q)
            ms[name].append((time.perf_counter() - began) * 1000)
            if answer.error:
                raise SystemExit(f"query() failed on {name}: {answer.error}")
            kinds[name].append(answer.kind)
    return {"ms": ms, "same_kind": sum(a == b for a, b in zip(kinds["SQLite"], kinds["PostgreSQL"])),
            "n": len(questions), "chunks": assistants["SQLite"].retriever.collection.count()}


# ------------------------------------------------------------------------------------------------ ingest
def ingest_once(corpus: Path, index: Path, database_url: str | None) -> dict:
    """Runs in a fresh process: `index.ingest` of `corpus` into a new library, after the one-time loads."""
    from index import ingest
    from rag.embedder import load_embedder
    from rag.text import split_sentences

    settings = backend_settings(index, database_url)
    # Process start-up is not ingest throughput (as bench/ingest.py): the model, Punkt, the Chroma store import.
    load_embedder(settings.model, settings.backend)
    split_sentences("Punkt loads once. Then it splits.")
    import llama_index.vector_stores.chroma  # noqa: F401
    began = time.perf_counter()
    report = ingest([corpus], settings)
    return {"articles": len(report.added), "chunks": report.chunks, "seconds": time.perf_counter() - began}


def bench_ingest(postgres, articles: int, workdir: Path) -> list[str]:
    records = json.loads((MULTIHOP_DIR / "corpus.json").read_text(encoding="utf-8"))[:articles]
    corpus = workdir / "corpus.json"  # a temporary copy: the articles never enter the repository
    corpus.write_text(json.dumps(records), encoding="utf-8")
    runs: list[tuple[str, dict]] = []
    for k, name in enumerate(("SQLite", "PostgreSQL", "PostgreSQL", "SQLite")):
        url = postgres.new_database(f"ingest{k}") if name == "PostgreSQL" else None
        args = ["--child", "ingest", "--corpus", str(corpus), "--index", str(workdir / f"ingest-{k}")]
        runs.append((name, run_json_child("bench.backends", args + (["--database-url", url] if url else []),
                                          f"ingest into {name}")))
    rows, speed = [], {}
    for name in BACKENDS:
        mine = [r for n, r in runs if n == name]
        chunks, seconds = sum(r["chunks"] for r in mine), sum(r["seconds"] for r in mine)
        speed[name] = chunks / seconds
        rows.append([name, " / ".join(f"{r['seconds']:.1f}" for r in mine), mine[0]["articles"], mine[0]["chunks"],
                     articles * len(mine) / seconds, speed[name]])
    ratio = speed["PostgreSQL"] / speed["SQLite"]
    return [f"### Ingest: the first {articles} MultiHop-RAG articles into a new library (runs in the order "
            "SQLite, PostgreSQL, PostgreSQL, SQLite; model loaded first)", "",
            table(["backend", "seconds (two runs)", "articles", "chunks", "articles/s", "chunks/s"], rows), "",
            f"PostgreSQL / SQLite ingest throughput: {ratio:.0%} (target >= 90%: {'met' if ratio >= 0.9 else 'MISSED'})"]


# ------------------------------------------------------------------------------------------------ report
def query_section(title: str, r: dict, target: str, verdict: bool) -> list[str]:
    p = {name: percentiles(r["ms"][name], (50, 95, 99)) for name in BACKENDS}
    rows = [[name, p[name]["p50"], p[name]["p95"], p[name]["p99"]] for name in BACKENDS]
    ratio = p["PostgreSQL"]["p50"] / p["SQLite"]["p50"]
    return [f"### {title}: {r['chunks']:,} chunks, {r['n']} questions", "",
            table(["backend", "query() p50 ms", "p95 ms", "p99 ms"], rows), "",
            f"PostgreSQL / SQLite p50: {ratio:.2f}x; {target}: {'met' if verdict else 'MISSED'}. "
            f"Same outcome (answered / not stated / not found) on {r['same_kind']} of {r['n']} questions."]


def child_query(index: Path, database_url: str, n: int, what: str) -> dict:
    return run_json_child("bench.backends", ["--child", "query", "--index", str(index), "--database-url",
                                             database_url, "--n", str(n)], what)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--multihop", type=Path, default=MULTIHOP_INDEX, help="MultiHop-RAG index folder (SQLite)")
    parser.add_argument("--n", type=int, default=120, help="warm questions per index (>= 100)")
    parser.add_argument("--articles", type=int, default=100, help="MultiHop-RAG articles per ingest run")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=PARTS, help="run only these parts")
    parser.add_argument("--child", choices=["query", "ingest"], help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "query":
        print(json.dumps(measure_query(args.index, args.database_url, args.n)))
        return
    if args.child == "ingest":
        print(json.dumps(ingest_once(args.corpus, args.index, args.database_url)))
        return
    if not multihop_index_ready(args.multihop):
        raise SystemExit(f"the MultiHop-RAG index {args.multihop} is not complete (manifest, 609 articles): "
                         "build it with `rag eval --multihop` first")

    from tests.servers import POSTGRES_BIN, free_port, postgres_running  # the tests' own server (needs pytest)

    out = ["## Library backends: SQLite vs PostgreSQL (bench/backends.py)", ""]
    # The server's folder is a temporary folder of its own: it is handed to the unprivileged user the server runs as.
    with tempfile.TemporaryDirectory(prefix="bench-backends-") as tmp, \
            tempfile.TemporaryDirectory(prefix="newsrag-pg-") as pg, \
            postgres_running(Path(pg), free_port(), durable=True) as postgres:
        workdir = Path(tmp)
        out.append(f"PostgreSQL {POSTGRES_BIN.parent.name} started for the run on a temporary folder (fsync on, "
                   "as a deployment runs it); each library copied into it with `rag migrate --to` (the same Chroma "
                   "vectors, in the index folder).")
        out.append("")
        if "query" in args.only:
            copy = workdir / "multihop"  # the evaluation index stays as it is
            shutil.copytree(args.multihop, copy, ignore=shutil.ignore_patterns("ingest.lock"))
            url = postgres.new_database("multihop")
            moved = migrate(copy, url)
            r = child_query(copy, url, args.n, "query() on the MultiHop-RAG index")
            ratio = percentiles(r["ms"]["PostgreSQL"], (50,))["p50"] / percentiles(r["ms"]["SQLite"], (50,))["p50"]
            out += query_section("query() on the MultiHop-RAG index", r, "target PostgreSQL <= 1.5x SQLite",
                                 ratio <= 1.5)
            out += ["", f"`rag migrate`: {moved}", ""]
            print("\n".join(out), flush=True)  # each part as it ends: a long run shows what it has measured
            out = []
        if "ingest" in args.only:
            out += bench_ingest(postgres, args.articles, workdir)
            print("\n".join(out), flush=True)
            out = []
        if "scale" in args.only:
            from bench.scale import ensure_index

            index, how = ensure_index(SCALE_SIZE, args.multihop, rebuild=False)
            url = postgres.new_database("scale")
            began = time.perf_counter()
            moved = migrate(index, url)
            minutes = (time.perf_counter() - began) / 60
            r = child_query(index, url, args.n, f"query() at {SCALE_SIZE:,} chunks")
            p50 = percentiles(r["ms"]["PostgreSQL"], (50,))["p50"]
            out += [""] + query_section(f"query() at {SCALE_SIZE:,} chunks (bench/scale.py's library)", r,
                                        f"target PostgreSQL p50 <= 60 ms ({p50:.1f} ms)", p50 <= 60)
            out += ["", f"The library: {how}. `rag migrate` took {minutes:.1f} min: {moved}"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
