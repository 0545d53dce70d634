"""Tune the hybrid retriever's fusion on MultiHop-RAG's dev queries (never on a held-out split).

    .venv/bin/python -m bench.tune_multihop [--index .rag/eval/index-multihop] [--limit N]

The dev queries are split in two: even positions tune, odd positions check that the
winner holds on queries it was not chosen on. Candidates from each side are fetched
once per query; the fusion grid is replayed in memory. Metrics are the paper's rule
(`eval.metrics.multihop_match`), null queries skipped.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time

from eval import metrics
from eval.loaders import load_multihop
from eval.paths import MULTIHOP_DIR, eval_index_dir
from rag import open_assistant
from rag.fusion import rrf
from rag.settings import Settings
from rag.store import chunk_texts

POOL = 60  # candidates fetched per side; the grid uses prefixes of these


def scores(rankings: list[list[str]], facts: list[list[str]], texts: dict[str, str]) -> dict[str, float]:
    out = {"hits@4": [], "hits@10": [], "mrr@10": [], "map@10": []}
    for ranking, gold in zip(rankings, facts):
        ranks = metrics.first_found_ranks(gold, [texts[c] for c in ranking[:10]], metrics.multihop_match)
        out["hits@4"].append(metrics.hit_at_k(ranks, 4))
        out["hits@10"].append(metrics.hit_at_k(ranks, 10))
        out["mrr@10"].append(metrics.mrr_at_k(ranks, 10))
        out["map@10"].append(metrics.map_at_k(ranks, 10))
    return {k: sum(v) / len(v) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default=str(eval_index_dir("multihop", Settings())))
    parser.add_argument("--data", default=str(MULTIHOP_DIR))
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()

    data = load_multihop(args.data, limit=args.limit)
    items = [i for i in data.items if i.answerable]
    assistant = open_assistant(Settings.load(overrides={"index_dir": args.index}))
    retriever = assistant.retriever
    texts = chunk_texts(assistant.library.connect())

    began = time.perf_counter()
    pool_size = retriever.config.candidates
    dense_runs, keyword_runs, facts = [], [], []
    object.__setattr__(retriever.config, "candidates", POOL)  # frozen dataclass: widen the pool for tuning only
    for item in items:
        vector = assistant.embedder.encode([item.question])[0]
        dense_runs.append([cid for cid, _ in retriever.dense(vector, None)])
        keyword_runs.append(retriever.keyword(item.question, None))
        facts.append([e.text for e in item.evidence])
    object.__setattr__(retriever.config, "candidates", pool_size)
    print(f"{len(items)} answerable queries, candidates fetched in {time.perf_counter() - began:.0f} s", file=sys.stderr)

    tune = list(range(0, len(items), 2))
    check = list(range(1, len(items), 2))

    def fused(idx, n, k, wd, wb):
        return [[cid for cid, _ in rrf([dense_runs[i][:n], keyword_runs[i][:n]], [wd, wb], k)] for i in idx]

    def pick(idx, runs):
        return [runs[i] for i in idx]

    rows = [("dense only", {}), ("bm25 only", {})]
    results = {}
    for name, idx in (("tune", tune), ("check", check)):
        results[("dense only", name)] = scores(pick(idx, dense_runs), pick(idx, facts), texts)
        results[("bm25 only", name)] = scores(pick(idx, keyword_runs), pick(idx, facts), texts)
    grid = list(itertools.product([10, 20, 40, 60], [10, 30, 60], [1.0], [1.0, 1.5, 2.0, 3.0]))
    best = None
    for n, k, wd, wb in grid:
        s = scores(fused(tune, n, k, wd, wb), pick(tune, facts), texts)
        key = (s["hits@10"] + s["hits@4"] + s["mrr@10"] + s["map@10"])
        if best is None or key > best[0]:
            best = (key, (n, k, wd, wb), s)
    n, k, wd, wb = best[1]
    label = f"hybrid RRF candidates={n} k={k} dense={wd} bm25={wb}"
    rows.append((label, {}))
    results[(label, "tune")] = best[2]
    results[(label, "check")] = scores(fused(check, n, k, wd, wb), pick(check, facts), texts)
    current = assistant.retriever.config
    cur_label = f"current defaults candidates={current.candidates} k={current.rrf_k} dense={current.dense_weight} bm25={current.bm25_weight}"
    rows.append((cur_label, {}))
    for name, idx in (("tune", tune), ("check", check)):
        results[(cur_label, name)] = scores(
            fused(idx, current.candidates, current.rrf_k, current.dense_weight, current.bm25_weight), pick(idx, facts), texts)

    print(f"\nMultiHop-RAG dev, answerable queries: tune {len(tune)}, check {len(check)}; index {args.index}")
    print(f"{'retriever':62} {'split':6} {'Hits@4':>7} {'Hits@10':>8} {'MRR@10':>7} {'MAP@10':>7}")
    for label, _ in rows:
        for split in ("tune", "check"):
            s = results[(label, split)]
            print(f"{label:62} {split:6} {s['hits@4']:7.3f} {s['hits@10']:8.3f} {s['mrr@10']:7.3f} {s['map@10']:7.3f}")


if __name__ == "__main__":
    main()
