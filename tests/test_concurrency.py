"""16 clients query an index while another process ingests 30 MultiHop-RAG articles into it.

`RAG_CONCURRENCY_ARTICLES=609` runs it on the whole corpus (about 10 minutes on 2 cores; the suite keeps 30,
about 55 s a mode, so that the README's test command stays under 25 minutes on a fresh machine):
    RAG_CONCURRENCY_ARTICLES=609 .venv/bin/python -m pytest -s tests/test_concurrency.py -k embedded

No answer may fail, every citation must quote a committed article exactly, and no article may be
lost; run against a Chroma server and against the embedded store. The p95 query latency is
printed, not asserted.
"""

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from eval.paths import MULTIHOP_DIR
from index import ingest, stats
from rag import Answer, open_assistant, query
from rag.settings import Settings
from rag.store import Library, chroma_collection
from tests.clients import clients_during

ROOT = Path(__file__).resolve().parents[1]
MULTIHOP = MULTIHOP_DIR
N_ARTICLES = int(os.environ.get("RAG_CONCURRENCY_ARTICLES", 30))
CLIENTS = 16
# Answered by the seeds, so they must never abstain with an error however the ingest is going.
SEED_QUESTIONS = ("How many asylum applications does Mexico process a year?", "What did Garland say about fentanyl?")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (MULTIHOP / "corpus.json").is_file(), reason="MultiHop-RAG data not present"),
]


@dataclass(frozen=True)
class Asked:
    question: str
    answer: Answer
    seconds: float


def multihop_questions(titles: set[str], n: int = 4) -> list[str]:
    """Development questions whose evidence lies wholly in the articles being ingested."""
    queries = json.loads((MULTIHOP / "queries-dev.json").read_text(encoding="utf-8"))
    return [q["query"] for q in queries
            if q["evidence_list"] and all(e["title"] in titles for e in q["evidence_list"])][:n]


def ask_until(stop: threading.Event, questions: list[str], settings: Settings, out: list[Asked], offset: int) -> None:
    i = offset
    while not stop.is_set():
        question = questions[i % len(questions)]
        t0 = time.perf_counter()
        answer = query(question, index=settings)
        out.append(Asked(question, answer, time.perf_counter() - t0))
        i += 1


@pytest.mark.parametrize("mode", ["server", "embedded"])
def test_sixteen_clients_query_while_another_process_ingests(mode, request, tmp_path):
    chroma_url = request.getfixturevalue("chroma_server").url if mode == "server" else None
    records = json.loads((MULTIHOP / "corpus.json").read_text(encoding="utf-8"))[:N_ARTICLES]
    corpus = tmp_path / f"multihop-{N_ARTICLES}.json"  # a temporary copy only: the articles never enter the repository
    corpus.write_text(json.dumps(records), encoding="utf-8")
    settings = Settings.load(environ={}, overrides={"index_dir": str(tmp_path / "index"),
                                                    "chroma_url": chroma_url, "collection": "concurrency"})
    seed_ids = set(ingest([ROOT / "seeds"], settings).added)
    assert len(seed_ids) == 5
    open_assistant(settings)  # load the model once, as a serving process does before its first client

    questions = list(SEED_QUESTIONS) + multihop_questions({r["title"] for r in records})
    env = dict(os.environ, RAG_COLLECTION=settings.collection)
    env.pop("RAG_INDEX_DIR", None)
    log = tmp_path / "ingest.log"
    server_flag = ["--chroma-url", chroma_url] if chroma_url else []
    with open(log, "w") as out:
        writer = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "index", str(corpus), "--index", str(settings.index_dir), *server_flag],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    per_client = clients_during(
        writer, CLIENTS, lambda k, stop, out: ask_until(stop, questions, settings, out, k),
        timeout=max(1200, 10 * N_ARTICLES))
    assert writer.returncode == 0, log.read_text()[-3000:]

    asked = [a for client in per_client for a in client]
    assert all(client for client in per_client), "every client got at least one answer"
    errors = [(a.question, a.answer.error) for a in asked if a.answer.error is not None]
    assert not errors, errors[:5]
    for a in asked:
        if a.question in SEED_QUESTIONS:
            assert a.answer.citations and not a.answer.abstained, a.answer.text

    # No lost articles: all of them + the 5 seeds committed, every vector committed, nothing left pending.
    final = stats(settings)
    assert final.n_articles == N_ARTICLES + 5, log.read_text()[-3000:]
    # Titles are stored stripped (some corpus titles end in a no-break space).
    assert {r["title"].strip() for r in records} <= {a.title for a in final.articles}
    db = Library(settings.index_dir).connect()
    assert db.execute("SELECT COUNT(*) FROM pending").fetchone()[0] == 0
    assert chroma_collection(settings, create=False).count() == final.n_chunks

    # Every citation, whenever it was made, quotes a committed article exactly at its offsets.
    texts = dict(db.execute("SELECT id, text FROM articles").fetchall())
    cited = [c for a in asked for c in a.answer.citations]
    assert cited
    for c in cited:
        assert c.article_id in texts and texts[c.article_id][c.start:c.end] == c.quote

    # The serving process's dense search sees vectors another process wrote: true through a server; an embedded
    # client keeps the HNSW index it loaded (new articles reach it through BM25 only, until it reopens).
    assistant = open_assistant(settings)
    dense_ids = [cid for cid, _ in assistant.retriever.dense(assistant.embedder.encode([records[0]["title"]])[0], None)]
    dense_sees_new = any(cid.split("-")[0] not in seed_ids for cid in dense_ids)
    if mode == "server":
        assert dense_sees_new, dense_ids[:5]

    latencies = sorted(a.seconds for a in asked)
    p50, p95 = latencies[len(latencies) // 2], latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    new_cited = sum(1 for a in asked if any(c.article_id not in seed_ids for c in a.answer.citations))
    print(f"\nconcurrency ({mode}): {CLIENTS} clients, {len(asked)} answers during an ingest of {N_ARTICLES} articles "
          f"({final.n_chunks} chunks in all): p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms; {new_cited} answers cited articles committed during the run; "
          f"dense search of the serving process sees the new vectors: {dense_sees_new}")
