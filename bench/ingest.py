"""Ingest benchmark: our pipeline vs the raw model vs LlamaIndex's stock pipeline, in one run.

    .venv/bin/python -m bench.ingest [--corpus ../shared/data/multihop-rag/corpus.json] [--limit N]

Each phase runs in a fresh process so its peak RSS is its own:
  ours     index.ingest() of the corpus into a new index (load, clean, dedupe, chunk, embed, Chroma + FTS5)
  raw      SentenceTransformer.encode on exactly the texts our pipeline embeds, its chunks and its sentences
           (`rag.sentence_vectors`): the floor
  ours-int8 / raw-int8  the same two with the int8 ONNX backend of the same model (RAG_BACKEND=onnx-int8;
            raw-int8 is Embedder.encode on that backend, as no library runs it)
  stock    LlamaIndex VectorStoreIndex.from_documents + MiniLM (eval.baselines.stock_embedding) into Chroma (SentenceSplitter defaults)
  stock-fit the same with SentenceSplitter(chunk_size=200), so the model reads every chunk whole, like ours
Prints a table; the targets are ours chunks/s >= 90% of raw, and int8 ingest >= 2x fp32 ingest.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from eval.paths import MULTIHOP_CORPUS as DEFAULT_CORPUS


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _corpus_file(corpus: Path, limit: int | None, workdir: Path) -> Path:
    if not limit:
        return corpus
    records = json.loads(corpus.read_text(encoding="utf-8"))[:limit]
    out = workdir / "corpus.json"
    out.write_text(json.dumps(records), encoding="utf-8")
    return out


def phase_ours(corpus: Path, workdir: Path, backend: str = "torch") -> dict:
    from index import ingest
    from rag.embedder import load_embedder
    from rag.settings import Settings
    from rag.text import split_sentences

    settings = Settings.load(environ={}, overrides={"index_dir": str(workdir / f"ours-{backend}"), "backend": backend})
    # One-time process start-up is not ingest throughput: the model load, Punkt (and the llama-index
    # import it needs), and the llama-index Chroma store the first write imports (about 2 s together).
    load_embedder(settings.model, settings.backend)
    split_sentences("Punkt loads once. Then it splits.")
    import llama_index.vector_stores.chroma  # noqa: F401
    began = time.perf_counter()
    report = ingest([corpus], settings)
    seconds = time.perf_counter() - began
    from rag.store import chunk_texts, open_library, sentence_texts

    db = open_library(settings).connect()
    texts = {"chunks": list(chunk_texts(db).values()), "sentences": sentence_texts(db)}
    (workdir / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    return {"articles": len(report.added), "chunks": report.chunks, "seconds": seconds}


def phase_raw(workdir: Path, backend: str = "torch") -> dict:
    from rag.embedder import load_embedder

    texts = json.loads((workdir / "texts.json").read_text(encoding="utf-8"))
    if backend == "torch":  # the library itself, not our Embedder: the floor our pipeline is held to
        from sentence_transformers import SentenceTransformer

        from rag.embedder import _model_dir

        model = SentenceTransformer(str(_model_dir("all-MiniLM-L6-v2")), device="cpu")
        encode = lambda t: model.encode(t, batch_size=64, normalize_embeddings=True)  # noqa: E731
    else:
        embedder = load_embedder(backend=backend)
        encode = lambda t: embedder.encode(t, batch_size=64)  # noqa: E731
    began = time.perf_counter()
    encode(texts["chunks"])
    encode(texts["sentences"])
    return {"articles": None, "chunks": len(texts["chunks"]), "seconds": time.perf_counter() - began}


def phase_stock(corpus: Path, workdir: Path, chunk_size: int | None = None) -> dict:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.settings import force_offline

    force_offline()
    from eval.baselines import stock_embedding

    records = json.loads(corpus.read_text(encoding="utf-8"))
    embed = stock_embedding()
    client = chromadb.PersistentClient(str(workdir / f"stock{chunk_size or ''}"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("stock", configuration={"hnsw": {"space": "cosine"}})
    began = time.perf_counter()
    docs = [Document(text=r["body"], metadata={"title": r.get("title", ""), "source": r.get("source", ""),
                                                 "published_at": r.get("published_at", "")}) for r in records]
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    # Default splitter (1024 tiktoken tokens), or one sized so MiniLM reads the whole chunk (same work as ours).
    transformations = [SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_size // 5)] if chunk_size else None
    VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=embed, transformations=transformations)
    return {"articles": len(docs), "chunks": collection.count(), "seconds": time.perf_counter() - began}


def run_phase(name: str, corpus: Path, workdir: Path) -> dict:
    from bench._util import run_json_child

    return run_json_child("bench.ingest", ["--phase", name, "--corpus", str(corpus), "--workdir", str(workdir)],
                          f"phase {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--phase", choices=["ours", "raw", "ours-int8", "raw-int8", "stock", "stock-fit"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip-stock", action="store_true", help="leave out LlamaIndex's stock pipeline")
    args = parser.parse_args()

    if args.phase:
        result = {"ours": lambda: phase_ours(args.corpus, args.workdir), "raw": lambda: phase_raw(args.workdir),
                  "ours-int8": lambda: phase_ours(args.corpus, args.workdir, "onnx-int8"),
                  "raw-int8": lambda: phase_raw(args.workdir, "onnx-int8"),
                  "stock": lambda: phase_stock(args.corpus, args.workdir),
                  # 200 tiktoken tokens is about 230 MiniLM word pieces: under the 256 the model reads.
                  "stock-fit": lambda: phase_stock(args.corpus, args.workdir, chunk_size=200)}[args.phase]()
        result["peak_rss_mb"] = _peak_rss_mb()
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        workdir = Path(tmp)
        corpus = _corpus_file(args.corpus, args.limit, workdir)
        rows = {name: run_phase(name, corpus, workdir) for name in ("ours", "raw", "ours-int8", "raw-int8")}
        if not args.skip_stock:
            rows["stock"] = run_phase("stock", corpus, workdir)
            rows["stock-fit"] = run_phase("stock-fit", corpus, workdir)

    labels = {"ours": "newsrag ingest (index.ingest)", "raw": "raw SentenceTransformer.encode, same texts",
              "ours-int8": "newsrag ingest, onnx-int8 backend",
              "raw-int8": "raw int8 ONNX encode, same texts",
              "stock": "LlamaIndex from_documents + stock MiniLM",
              "stock-fit": "  same, SentenceSplitter(200) so no text is cut"}
    print(f"\nIngest of {corpus.name if not args.limit else f'first {args.limit} articles of corpus.json'}")
    print(f"{'pipeline':48} {'articles/s':>10} {'chunks':>7} {'chunks/s':>9} {'seconds':>8} {'peak RSS MB':>11}")
    for key, r in rows.items():
        aps = f"{r['articles'] / r['seconds']:.2f}" if r["articles"] else "-"
        print(f"{labels[key]:48} {aps:>10} {r['chunks']:>7} {r['chunks'] / r['seconds']:>9.1f} "
              f"{r['seconds']:>8.1f} {r['peak_rss_mb']:>11.0f}")
    speed = {key: r["chunks"] / r["seconds"] for key, r in rows.items()}
    print(f"\nours / raw encode throughput: {speed['ours'] / speed['raw']:.0%} fp32, "
          f"{speed['ours-int8'] / speed['raw-int8']:.0%} int8 (target >= 90%)")
    print(f"int8 / fp32 ingest chunks/s: {speed['ours-int8'] / speed['ours']:.2f}x (target >= 2x)")
    if "stock" in rows:
        print("note: the stock pipeline splits into 1024-tiktoken chunks that MiniLM truncates at 256 word pieces, "
              "so it embeds fewer chunks and silently drops most of each chunk's text; the stock-fit row does the same work as ours.")


if __name__ == "__main__":
    main()
