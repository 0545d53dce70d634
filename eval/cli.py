"""`rag eval`: run a gold set, a MultiHop-RAG sample, or compare two runs.

    rag eval eval/gold/seeds.jsonl [--out DIR]
    rag eval --multihop ../shared/data/multihop-rag/ [--queries FILE] [--limit N | --sample N] [--out DIR]
    rag eval --compare A/report.json B/report.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.settings import REPO_ROOT, Settings

SEEDS_DIR = REPO_ROOT / "seeds"
EVAL_DIR = REPO_ROOT / ".rag" / "eval"


def add_parsers(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("eval", parents=[common], help="evaluate answers, citations and retrieval on a gold set",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("gold", nargs="?", help="gold JSONL file (format: eval/README.md)")
    p.add_argument("--multihop", metavar="DIR", help="a MultiHop-RAG folder (corpus.json + queries)")
    p.add_argument("--queries", metavar="FILE", help="MultiHop-RAG queries file (default DIR/queries-dev.json)")
    p.add_argument("--limit", type=int, metavar="N", help="first N queries only")
    p.add_argument("--sample", type=int, metavar="N", help="MultiHop-RAG: N queries spread evenly over the file")
    p.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"), help="difference between two report.json")
    p.add_argument("--out", metavar="DIR", help="where report.md, report.json and by_type.png go "
                                                "(default .rag/eval/<name>)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace, settings: Settings) -> int:
    from eval.runner import compare

    if args.compare:
        a, b = (json.loads(Path(p).read_text(encoding="utf-8")) for p in args.compare)
        print(compare(a, b))
        return 0
    if args.multihop:
        from eval import metrics
        from eval.loaders import load_multihop

        data = load_multihop(args.multihop, args.queries, limit=args.limit, sample=args.sample)
        name = f"multihop-{Path(args.queries).stem if args.queries else 'dev'}"
        settings = eval_index(settings, [Path(args.multihop) / "corpus.json"], "multihop")
        items, match = data.items, metrics.multihop_match
    elif args.gold:
        from eval import metrics
        from eval.loaders import load_gold

        items = load_gold(args.gold)[: args.limit]
        name = Path(args.gold).stem
        if is_seeds_gold(items):
            settings = eval_index(settings, [SEEDS_DIR], "seeds")
        match = metrics.evidence_match
    else:
        raise SystemExit("rag eval: give a gold JSONL file, --multihop DIR or --compare A.json B.json")
    from eval.runner import run_gold

    report = run_gold(items, settings, name=name, progress=progress_bar, match=match)
    out = report.write(args.out or EVAL_DIR / name)
    print(report.table())
    print(f"\nreport: {out / 'report.md'}, {out / 'report.json'}, {out / 'by_type.png'}")
    return 0


def is_seeds_gold(items) -> bool:
    """True when every evidence article is a file of the repository's seeds/ folder."""
    names = {p.name for p in SEEDS_DIR.glob("*")}
    articles = {e.article for i in items for e in i.evidence}
    return bool(articles) and articles <= names


def eval_index(settings: Settings, paths: list[Path], name: str) -> Settings:
    """Build or update (incrementally: a no-op when unchanged) an evaluation index under .rag/eval/index-<name>.

    Another embedding backend or chunking gets its own index (index-<name>-<backend>, index-<name>-c<size>o<overlap>),
    so runs can be compared, e.g. the paper's chunk size: `RAG_CHUNK_SIZE=256 RAG_CHUNK_OVERLAP=200 rag eval --multihop`.
    """
    from index import ingest

    if settings.backend != Settings.backend:
        name = f"{name}-{settings.backend}"
    if (settings.chunk_size, settings.chunk_overlap) != (Settings.chunk_size, Settings.chunk_overlap):
        name = f"{name}-c{settings.chunk_size}o{settings.chunk_overlap}"
    settings = settings.replace(index_dir=EVAL_DIR / f"index-{name}")
    if settings.chroma_url:  # on a shared server, keep the evaluation's vectors out of the main collection
        settings = settings.replace(collection=f"{settings.collection}-eval-{name}")
    print(f"evaluation index: {settings.index_dir}", file=sys.stderr)
    ingest(paths, settings, progress=progress_bar)
    return settings


def progress_bar(done: int, total: int, label: str) -> None:
    """A one-line progress bar on stderr."""
    if total <= 0:
        print(f"\r{label[:60]:<60}", end="", file=sys.stderr, flush=True)
        return
    filled = int(30 * done / total)
    print(f"\r[{'#' * filled}{' ' * (30 - filled)}] {done}/{total} {label[:40]:<40}", end="", file=sys.stderr,
          flush=True)
    if done >= total:
        print(file=sys.stderr)
