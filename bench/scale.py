"""Scale benchmark: query latency, memory and ANN recall at 1k, 10k and 100k chunks; incremental ingest at 100k.

    .venv/bin/python -m bench.scale [--sizes 1000 10000 100000] [--rebuild]

How the indexes are built (no re-encoding): the real chunks and their real MiniLM vectors
are read from the MultiHop-RAG index (SQLite rows + Chroma `get(include=["embeddings", ...])`)
and replicated article by article until the size is reached. Replica 0 is the real index;
replica r >= 1 gives every article and chunk fresh ids (suffix `-r<r>`) and every vector a
small Gaussian perturbation (sigma 0.01 per dimension, renormalised; cosine to the original
about 0.98). A replica is what `index.ingest` makes of a syndicated copy of a story (the same text from
another outlet; ingest refuses exact copies): it joins its original's syndication group, each chunk's `dup_of`
the original's chunk, so a question's passages are not eleven copies of one. Rows go straight into the store's format: SQLite (articles, sentences, chunks,
chunks_fts, signatures), Chroma with `rag.store.HNSW_CONFIGURATION`, and a copy of
the source index's manifest (the vectors are its model's). The 100 shortest MultiHop-RAG articles are held out of every
replica, for the ingest measurement. Built indexes are cached under `.rag/bench/`.

Each size is then measured in a fresh process (so its RSS is its own):
  query()            warm end-to-end latency over MultiHop-RAG dev questions, without and with a publisher filter
  dense/BM25/hybrid  the retriever's sides alone (question vectors computed beforehand)
  RSS                VmRSS of the serving process after the queries, and its peak
  recall@10          Chroma's HNSW top 10 vs exact search (numpy dot product over all vectors), 100 real questions
Then: `index.ingest` of the 100 held-out articles into a copy of the largest index vs into an empty index.
Targets: query() p50 <= 60 ms at 100k, RSS <= 2 GB, recall@10 >= 0.98, ingest cost independent of index size.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rag.settings import Settings, force_offline

force_offline()

import numpy as np

from bench._util import (
    MULTIHOP_DIR, MULTIHOP_INDEX, ROOT, multihop_index_ready, multihop_questions, percentiles, rss_mb, run_json_child,
    table, time_each,
)

CACHE = ROOT / ".rag" / "bench"
HELD_OUT = 100  # articles kept out of the replicas, ingested afterwards
SIGMA = 0.01
# The way `build` lays a library out; a cached library of another build is rebuilt. 3: the sentences' stored
# vectors (`rag.sentence_vectors`) are copied too.
BUILD = 3
FILTER_SOURCE = "TechCrunch"  # about 16% of the MultiHop-RAG articles
QUESTIONS = 120


def settings_for(index_dir: Path) -> Settings:
    return Settings.load(environ={}, overrides={"index_dir": str(index_dir)})


def held_out_keys(source: Path) -> list[str]:
    """source_keys of the HELD_OUT shortest articles of the source index (ingested later, never replicated)."""
    from rag.store import Library, shortest_articles

    return shortest_articles(Library(source).connect(), HELD_OUT)


# ------------------------------------------------------------------------------------------------ building
def build(size: int, source: Path, out: Path) -> str:
    """Write a `size`-chunk index at `out` from the source index's rows and vectors; returns how it was made."""
    from rag.store import (Library, article_chunk_counts, attach_library, chroma_client, chroma_collection,
                           chunk_ids_of, copy_articles, count_sentences_without_vectors, read_manifest,
                           write_manifest)
    from rag.types import ChunkKey

    began = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    src_settings = settings_for(source)
    src = chroma_collection(src_settings, create=False)
    got = src.get(include=["embeddings", "documents", "metadatas"])
    vectors = {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], got["embeddings"])}
    documents = dict(zip(got["ids"], got["documents"]))
    metadatas = dict(zip(got["ids"], got["metadatas"]))

    sdb = Library(source).connect()
    if not sdb.has_column("sentences", "vector") or count_sentences_without_vectors(sdb):
        raise SystemExit(f"the source index {source} has sentences without stored vectors, so answers at scale "
                         f"would encode them at query time: run `rag index --repair --index {source}` first")
    held = set(held_out_keys(source))
    articles = [(aid, n) for aid, key, n in article_chunk_counts(sdb) if key not in held and n]
    plan: list[tuple[int, str]] = []  # (replica, article id)
    total, replica = 0, 0
    while total < size:
        for aid, n in articles:
            if total >= size:
                break
            plan.append((replica, aid))
            total += n
        replica += 1

    settings = settings_for(out)
    library = Library(out, create=True)
    db = library.connect()
    attach_library(db, source / "library.sqlite", "src")
    collection = chroma_collection(settings, create=True)
    batch_size = chroma_client(settings).get_max_batch_size()
    rng = np.random.default_rng(0)
    pending: tuple[list, list, list, list] = ([], [], [], [])
    all_ids: list[str] = []
    all_vectors: list[np.ndarray] = []

    def flush():
        if pending[0]:
            collection.add(ids=pending[0], embeddings=np.stack(pending[1]), documents=pending[2],
                           metadatas=pending[3])
            for part in pending:
                part.clear()

    for r in range(replica):
        sfx = f"-r{r}" if r else ""
        picked = [aid for rr, aid in plan if rr == r]
        with db.transaction():
            copy_articles(db, "src", picked, sfx, syndicated=bool(r))
        for cid in chunk_ids_of(sdb, picked):
            v = vectors[cid]
            if r:
                v = v + rng.normal(0, SIGMA, v.shape).astype(np.float32)
                v /= np.linalg.norm(v)
            meta = dict(metadatas[cid])
            for key in (ChunkKey.ARTICLE_ID, "document_id", "doc_id", "ref_doc_id"):  # ours, then llama-index's
                if key in meta:
                    meta[key] = f"{meta[key]}{sfx}"
            pending[0].append(cid + sfx)
            pending[1].append(v)
            pending[2].append(documents[cid])
            pending[3].append(meta)
            all_ids.append(cid + sfx)
            all_vectors.append(v)
            if len(pending[0]) >= batch_size:
                flush()
    flush()
    np.save(out / "vectors.npy", np.stack(all_vectors))
    (out / "vector_ids.json").write_text(json.dumps(all_ids), encoding="utf-8")
    how = (f"{len(all_ids)} chunks of {len(plan)} articles: {replica} replica(s) of {len(articles)} MultiHop-RAG "
           f"articles (real texts; real vectors in replica 0, sigma={SIGMA} perturbed and renormalised after; the sentences' "
           "stored vectors copied unchanged)")
    how += f"; built in {time.perf_counter() - began:.0f} s"
    manifest = read_manifest(source)  # its model, weights and backend made the vectors copied here
    manifest["built_by"] = "bench/scale.py: " + how
    manifest["scale_build"] = BUILD
    write_manifest(out, manifest)  # last: its presence marks a complete build
    return how


def ensure_index(size: int, source: Path, rebuild: bool) -> tuple[Path, str]:
    out = CACHE / f"scale-{size}"
    manifest = out / "manifest.json"
    if manifest.is_file() and not rebuild and json.loads(manifest.read_text()).get("scale_build") == BUILD:
        return out, json.loads(manifest.read_text())["built_by"].removeprefix("bench/scale.py: ") + " (cached)"
    return out, build(size, source, out)


# ------------------------------------------------------------------------------------------------ measuring
def measure(index: Path) -> dict:
    """Runs in a fresh process: latency, memory and recall of one index."""
    from rag import Filters, open_assistant

    assistant = open_assistant(settings_for(index))
    retriever = assistant.retriever
    questions = multihop_questions(QUESTIONS)
    vectors = assistant.embedder.encode(questions)
    by_q = dict(zip(questions, vectors))
    only = Filters(sources=(FILTER_SOURCE,))
    out: dict = {"chunks": retriever.collection.count()}
    out["query"], answers = time_each(assistant.query, questions)
    errors = [a.error for a in answers if a.error]
    if errors:
        raise SystemExit(f"query() failed on {index}: {errors[0]}")
    out["abstained"] = sum(a.abstained for a in answers)
    # Abstentions stop after retrieval: the answered questions alone show the whole path's cost.
    out["query_answered"] = [ms for ms, a in zip(out["query"], answers) if not a.abstained]
    out["query_filtered"], _ = time_each(lambda q: assistant.query(q, filters=only), questions)
    out["embed"], _ = time_each(lambda q: assistant.embedder.encode([q]), questions)
    for name, filters in (("", None), ("_filtered", only)):
        out["dense" + name], _ = time_each(lambda q: retriever.dense(by_q[q], filters), questions)
        out["bm25" + name], _ = time_each(lambda q: retriever.keyword(q, filters), questions)
        out["hybrid" + name], _ = time_each(lambda q: retriever.retrieve(q, by_q[q], filters), questions)
    out.update(rss_mb())  # before the exact-search matrix is loaded: the serving process alone

    ids = json.loads((index / "vector_ids.json").read_text(encoding="utf-8"))
    matrix = np.load(index / "vectors.npy")
    recalls = []
    for v in vectors[:100]:
        exact = {ids[i] for i in np.argpartition(-(matrix @ v), 10)[:10]}
        got = retriever.collection.query(query_embeddings=[v.tolist()], n_results=10, include=[])["ids"][0]
        recalls.append(len(exact & set(got)) / 10)
    out["recall@10"] = float(np.mean(recalls))
    out["recall@10_min"] = float(np.min(recalls))
    return out


def ingest_cost(index: Path, source: Path) -> dict:
    """Runs in a fresh process: ingest the held-out articles into an empty index and into a copy of `index`."""
    from index import ingest
    from rag.embedder import load_embedder
    from rag.store import Library, count_chunks

    keys = set(held_out_keys(source))
    records = [r for r in json.loads((MULTIHOP_DIR / "corpus.json").read_text(encoding="utf-8"))
               if any(k.endswith("#" + r.get("url", "")) for k in keys)]
    load_embedder()  # the model load is not ingest work
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-ingest-") as tmp:
        corpus = Path(tmp) / "held-out.json"
        corpus.write_text(json.dumps(records), encoding="utf-8")
        copy = Path(tmp) / "big"
        shutil.copytree(index, copy)
        for name, target in (("empty", Path(tmp) / "empty"), ("big", copy)):
            before = count_chunks(Library(target).connect()) if (target / "library.sqlite").exists() else 0
            report = ingest([corpus], settings_for(target))
            out[name] = {"seconds": report.seconds, "added": len(report.added), "chunks": report.chunks,
                         "index_chunks_before": before, "problems": len(report.problems)}
    return out


def child(kind: str, index: Path, source: Path) -> dict:
    return run_json_child("bench.scale", ["--child", kind, "--index", str(index), "--source", str(source)],
                          f"{kind} on {index}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--source", type=Path, default=MULTIHOP_INDEX, help="real index to replicate")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached indexes")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--child", choices=["measure", "ingest"], help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        result = measure(args.index) if args.child == "measure" else ingest_cost(args.index, args.source)
        print(json.dumps(result))
        return
    if not multihop_index_ready(args.source):
        raise SystemExit(f"the source index {args.source} is not complete (manifest, 609 articles): build it first")

    lines = ["## Scale (bench/scale.py)", "",
             "How the indexes were built: " + __doc__.split("How the indexes are built (no re-encoding): ")[1]
             .split("\n\nEach size")[0].replace("\n", " "), ""]
    results, hows = {}, []
    for size in sorted(args.sizes):
        index, how = ensure_index(size, args.source, args.rebuild)
        hows.append(f"- {size}: {how}")
        print(hows[-1], file=sys.stderr, flush=True)
        results[size] = child("measure", index, args.source)
    lines += hows + [""]

    def p(ms, q):
        return percentiles(ms, (q,))[f"p{q}"]

    rows = []
    for size, r in results.items():
        rows.append([f"{r['chunks']:,}", p(r["query"], 50), p(r["query"], 95), p(r["query"], 99),
                     p(r["query_filtered"], 50), p(r["query_filtered"], 95), p(r["embed"], 50),
                     f"{r['rss_mb']:.0f} / {r['peak_rss_mb']:.0f}", f"{r['recall@10']:.3f} (min {r['recall@10_min']:.1f})",
                     f"{r['abstained']}/{len(r['query'])}",
                     p(r["query_answered"], 50) if r["query_answered"] else "-"])
    lines.append(f"Warm `query()` over {QUESTIONS} MultiHop-RAG dev questions; filtered = `Filters(sources=('{FILTER_SOURCE}',))`. "
                 "Targets at 100k: p50 <= 60 ms, RSS <= 2048 MB, recall@10 >= 0.98.\n")
    lines.append(table(["chunks", "query p50", "p95", "p99", "filtered p50", "filtered p95", "embed p50",
                        "RSS / peak MB", "ANN recall@10", "abstained", "answered p50"], rows))
    lines.append("\nMost questions abstain at 1k: their evidence articles are not in the first 55. Replicas are"
                 " syndicated copies of their originals (as index.ingest records them), so a question's passages"
                 " are not copies of one chunk. 'answered p50' is the full path (retrieve, select, compose) on the"
                 " questions that were answered.")
    lines += ["", "Retriever sides alone (ms; question vector given), p50 / p95:", ""]
    rows = []
    for size, r in results.items():
        rows.append([f"{r['chunks']:,}"] + [f"{p(r[k], 50):.1f} / {p(r[k], 95):.1f}" for k in
                    ("dense", "bm25", "hybrid", "dense_filtered", "bm25_filtered", "hybrid_filtered")])
    lines.append(table(["chunks", "dense", "BM25 (FTS5)", "hybrid", "dense filtered", "BM25 filtered",
                        "hybrid filtered"], rows))

    if not args.skip_ingest:
        biggest = CACHE / f"scale-{max(args.sizes)}"
        ing = child("ingest", biggest, args.source)
        lines += ["", f"Incremental ingest of the {HELD_OUT} held-out (shortest) MultiHop-RAG articles with "
                      "`index.ingest` (model preloaded):", ""]
        lines.append(table(["into", "index chunks before", "articles added", "chunks added", "seconds",
                            "ms per chunk added"],
                           [[k, f"{v['index_chunks_before']:,}", v["added"], v["chunks"], v["seconds"],
                             1000 * v["seconds"] / max(v["chunks"], 1)] for k, v in ing.items()]))
        ratio = ing["big"]["seconds"] / ing["empty"]["seconds"]
        lines.append(f"\nbig / empty: {ratio:.2f}x (target: about 1x, cost proportional to the articles added)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
