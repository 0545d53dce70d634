"""`rag eval`: run a gold set, a MultiHop-RAG sample, or compare two runs.

    rag eval eval/gold/seeds.jsonl [--out DIR]
    rag eval --multihop [DIR] [--queries FILE] [--limit N | --sample N] [--out DIR]
    rag eval --compare A/report.json B/report.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from eval.paths import EVAL_DIR, MULTIHOP_DIR, SEEDS_DIR, eval_index_dir
from rag.progress import CountProgress
from rag.settings import Settings


def define_eval(p: argparse.ArgumentParser) -> None:
    """evaluate answers, citations and retrieval on a gold set"""
    p.description, p.formatter_class = __doc__, argparse.RawDescriptionHelpFormatter
    p.add_argument("gold", nargs="?", help="gold JSONL file (format: eval/README.md)")
    p.add_argument("--multihop", metavar="DIR", nargs="?", const=str(MULTIHOP_DIR),
                   help="a MultiHop-RAG folder (corpus.json + queries; default: shared/data/multihop-rag "
                        "beside the repository)")
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

    with CountProgress("question", every=10, verb="asking") as progress:
        report = run_gold(items, settings, name=name, progress=progress, match=match)
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
    """Build or update (incrementally: a no-op when unchanged) the evaluation index of corpus `name`
    (`eval.paths.eval_index_dir`). One built with another backend is rebuilt: an evaluation measures the
    backend its settings name."""
    from index import ingest
    from rag.store import stored_manifest

    settings = settings.replace(index_dir=eval_index_dir(name, settings))
    if settings.chroma_url:  # on a shared server, keep the evaluation's vectors out of the main collection
        settings = settings.replace(collection=f"{settings.collection}-eval-{settings.index_dir.name.removeprefix('index-')}")
    built_with = (stored_manifest(settings) or {}).get("backend", settings.backend)
    print(f"evaluation index: {settings.index_dir}", file=sys.stderr)
    with CountProgress("document") as progress:
        ingest(paths, settings, progress=progress, rebuild=built_with != settings.backend)
    return settings

