"""Learn `OrderWeights` (rag.ordering.coverage_order) on MultiHop-RAG's dev queries, by coordinate ascent on MAP@10.

    .venv/bin/python -m bench.tune_order [--index .rag/eval/index-multihop] [--rounds 3] [--limit N]   (about 20 min)

Each query's candidate pool (`HybridRetriever.pool`) is fetched once; the weights are then replayed in memory.
The dev queries are split in halves: weights fitted on each half are checked on the other, so the gain shown is
on queries the weights were not chosen on; the weights printed last are fitted on all of dev, and are the
defaults in `OrderWeights`. Metrics are the paper's rule (`eval.metrics.multihop_match`), null queries skipped.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, fields, replace

from eval import metrics
from eval.loaders import load_multihop
from eval.paths import MULTIHOP_DIR, eval_index_dir
from rag import open_assistant
from rag.ordering import FEATURES, OrderFeatures, OrderWeights, coverage_order
from rag.retrieve import CandidatePool
from rag.settings import Settings

STEPS = (-1.0, -0.5, -0.2, -0.05, 0.05, 0.2, 0.5, 1.0)
# Weights of what is already covered only ever subtract (article, publisher) or add (new words).
NON_NEGATIVE = {"same_article", "same_source", "new_words"}
# Every weight by name: the features' (`OrderWeights.features`), then those of what is already covered.
WEIGHTS = FEATURES + tuple(f.name for f in fields(OrderWeights) if f.name != "features")


def weight(weights: OrderWeights, name: str) -> float:
    return getattr(weights.features if name in FEATURES else weights, name)


def with_weight(weights: OrderWeights, name: str, value: float) -> OrderWeights:
    if name in FEATURES:
        return replace(weights, features=replace(weights.features, **{name: value}))
    return replace(weights, **{name: value})


def scores(pools: list[CandidatePool], golds: list[list[str]], weights: OrderWeights) -> dict[str, float]:
    out = {"hits@4": 0.0, "hits@10": 0.0, "mrr@10": 0.0, "map@10": 0.0}
    for pool, gold in zip(pools, golds):
        order = coverage_order(pool.candidates, pool.word_weights, weights, pool.named)[:10]
        ranks = metrics.first_found_ranks(gold, [pool.passages[i].text for i in order], metrics.multihop_match)
        out["hits@4"] += metrics.hit_at_k(ranks, 4)
        out["hits@10"] += metrics.hit_at_k(ranks, 10)
        out["mrr@10"] += metrics.mrr_at_k(ranks, 10)
        out["map@10"] += metrics.map_at_k(ranks, 10)
    return {k: v / max(len(pools), 1) for k, v in out.items()}


def fit(pools: list[CandidatePool], golds: list[list[str]], start: OrderWeights, rounds: int) -> OrderWeights:
    """Coordinate ascent: try each step on each weight, keep whatever raises MAP@10."""
    best, best_map = start, scores(pools, golds, start)["map@10"]
    for _ in range(rounds):
        for name in WEIGHTS:
            for step in STEPS:
                value = weight(best, name) + step
                if name in NON_NEGATIVE and value < 0:
                    continue
                trial = with_weight(best, name, round(value, 2))
                trial_map = scores(pools, golds, trial)["map@10"]
                if trial_map > best_map + 1e-4:
                    best, best_map = trial, trial_map
    return best


def show(label: str, figures: dict[str, float]) -> None:
    print(f"{label:44s} " + "  ".join(f"{k} {v:.3f}" for k, v in figures.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default=str(eval_index_dir("multihop", Settings())))
    parser.add_argument("--data", default=str(MULTIHOP_DIR))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()

    items = [i for i in load_multihop(args.data, limit=args.limit).items if i.answerable]
    assistant = open_assistant(Settings.load(overrides={"index_dir": args.index}))
    began = time.perf_counter()
    vectors = assistant.embedder.encode([i.question for i in items])
    pools = [assistant.retriever.pool(i.question, v) for i, v in zip(items, vectors)]
    golds = [[e.text for e in i.evidence] for i in items]
    print(f"{len(items)} dev queries, pools in {time.perf_counter() - began:.0f} s", flush=True)

    # Without coverage, with the fused order alone: the order `retrieve` gave before `coverage_order`.
    fused_only = OrderWeights(OrderFeatures(**{name: 0.0 for name in FEATURES} | {"rank": 1.0}),
                              same_article=0.0, same_source=0.0, new_words=0.0)
    half = len(items) // 2
    parts = [(pools[:half], golds[:half]), (pools[half:], golds[half:])]
    for k, (train, other) in enumerate([(parts[0], parts[1]), (parts[1], parts[0])]):
        weights = fit(*train, fused_only, args.rounds)
        show(f"half {1 - k}, fused order", scores(*other, fused_only))
        show(f"half {1 - k}, weights fitted on half {k}", scores(*other, weights))
        show(f"half {1 - k}, current defaults", scores(*other, OrderWeights()))
    weights = fit(pools, golds, fused_only, args.rounds)
    show("all dev, fused order", scores(pools, golds, fused_only))
    show("all dev, weights fitted on all dev", scores(pools, golds, weights))
    show("all dev, current defaults", scores(pools, golds, OrderWeights()))
    print("fitted:", asdict(weights))


if __name__ == "__main__":
    main()
