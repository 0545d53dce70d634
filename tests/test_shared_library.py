"""One library shared by several hosts: a real PostgreSQL (library and keyword index) and a real `chroma run`
(vectors), with a separate index folder per process, as on separate hosts.

- an article ingested by one host is answered by another host's running server, without a restart;
- two ingests at once lose and double nothing;
- an ingest killed with SIGKILL mid-way leaves nothing half-visible, and the next ingest cleans up;
- 16 clients ask two `rag serve` processes (REST /api/v1/ask) while a third process ingests 25 MultiHop-RAG
  articles (200 with `RAG_SHARED_ARTICLES=200`): no error, every citation verbatim in its article, every article and vector accounted for.

The figures of the last (requests, errors, p50 latency, articles, vectors) are printed (`pytest -s`), not asserted.
`RAG_SHARED_ARTICLES=N` changes the 25: the suite's default keeps the README's test command under 25 minutes;
with 200 (2026-12-02, 49f8b21, load average 1.9 at the start) the ingest took 900 s and the run printed 29,031
requests, 0 errors, p50 412 ms, p95 1,041 ms, 36,712 citations all verbatim, 206 articles, 3,267 chunks and
3,267 vectors, 0 pending.

Run time, measured on 2 cores shared with other jobs (load average 7-20): the first three tests 356 s together
(PostgreSQL, Chroma and two `rag serve` started, the ingests); the fourth did not finish its ingest within its
1200 s at load 19-20 with 60 articles, against the checkpoint's PostgreSQL keyword search (JIT compiled each BM25
statement, about 2.4 s a question: fixed in pgcore 13f4d10). Not yet measured on a quiet machine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from eval.paths import MULTIHOP_DIR
from index import stats
from rag.settings import REPO_ROOT, Settings
from rag.store import IndexNotFoundError, chroma_collection, count_articles, load_articles, open_library, pending_chunks
from tests.clients import clients_during
from tests.servers import free_port, running
from tests.test_concurrency import multihop_questions

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (MULTIHOP_DIR / "corpus.json").is_file(), reason="MultiHop-RAG data not present"),
]

N_ARTICLES = int(os.environ.get("RAG_SHARED_ARTICLES", 25))
CLIENTS = 16
SEEDS = REPO_ROOT / "seeds"
# Answered from the seeds: every request for them must cite, whatever the ingest is doing.
SEED_QUESTIONS = ("How many asylum applications does Mexico process a year?", "What did Garland say about fentanyl?")
# A made-up story no seed mentions: one host adds it, another host's running server must answer from it.
FERRY = ("Larkmouth ferry to run every forty minutes\n\nThe Larkmouth island ferry will run every forty minutes "
         "from June, the harbour board said on Tuesday. Board chair Tomas Reyle said two new boats made the "
         "timetable possible.\n")
FERRY_QUESTION = "How often will the Larkmouth ferry run?"


@dataclass(frozen=True)
class Shared:
    """One shared library: a PostgreSQL database and a Chroma collection; `host(name)` is a host's settings."""

    database_url: str
    chroma_url: str
    collection: str
    root: Path

    def host(self, name: str) -> Settings:
        return Settings.load(environ={}, overrides={
            "index_dir": str(self.root / name), "database_url": self.database_url,
            "chroma_url": self.chroma_url, "collection": self.collection})

    def env(self) -> dict[str, str]:
        """A host process's environment: the shared stores, and nothing of the caller's index."""
        env = dict(os.environ, RAG_DATABASE_URL=self.database_url, RAG_CHROMA_URL=self.chroma_url,
                   RAG_COLLECTION=self.collection,
                   # 16 clients on one loopback address, no users: the per-address limit must not refuse them
                   RAG_API_KEY_RATE="100000/minute", RAG_API_USER_RATE="100000/minute")
        env.pop("RAG_INDEX_DIR", None)
        return env

    def index(self, host: str, *paths: Path, log: Path) -> subprocess.Popen:
        """`rag index PATHS` in a process of its own on `host` (its own index folder)."""
        with open(log, "w") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "rag.cli", "index", *map(str, paths), "--index", str(self.root / host)],
                cwd=REPO_ROOT, env=self.env(), stdout=out, stderr=subprocess.STDOUT)

    def index_now(self, host: str, *paths: Path) -> str:
        log = self.root / f"index-{host}-{time.monotonic_ns()}.log"
        proc = self.index(host, *paths, log=log)
        assert proc.wait(timeout=900) == 0, log.read_text()[-3000:]
        return log.read_text()


def make_shared(postgres_server, chroma_server, root: Path, name: str) -> Shared:
    root.mkdir(parents=True, exist_ok=True)
    return Shared(postgres_server.new_database(name), chroma_server.url, name, root)



def read_library(settings: Settings, read):
    """`read(connection)` on the shared library, as any host reads it."""
    library = open_library(settings)
    try:
        return read(library.connect())
    finally:
        library.close()


def committed_articles(settings: Settings) -> int:
    try:
        return read_library(settings, count_articles)
    except IndexNotFoundError:  # the first ingest has not created the library yet
        return 0


def pending_chunk_ids(settings: Settings) -> list[str]:
    return read_library(settings, pending_chunks)


def article_texts(settings: Settings, ids: set[str]) -> dict[str, str]:
    return {aid: a.text for aid, a in read_library(settings, lambda db: load_articles(db, sorted(ids))).items()}


def write_corpus(path: Path, records: list[dict]) -> Path:
    """A temporary MultiHop-RAG `corpus.json` of `records`: the articles never enter the repository."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def multihop_records() -> list[dict]:
    return json.loads((MULTIHOP_DIR / "corpus.json").read_text(encoding="utf-8"))


def summary_counts(log: str) -> dict[str, int]:
    """{"added": 3, "updated": 0, "unchanged": 2, ...} from the summary line `rag index` prints."""
    line = next(line for line in log.splitlines() if line.startswith("added "))
    words = line.split(";")[0].replace(",", "").split()
    return {words[i]: int(words[i + 1]) for i in range(0, len(words), 2)}


def assert_every_vector_accounted_for(settings: Settings, articles: int):
    """`articles` articles, each with chunks; one vector per committed chunk and no other; nothing pending."""
    final = stats(settings)
    assert final.n_articles == articles, [a.title for a in final.articles][:10]
    assert all(a.chunks for a in final.articles)
    assert final.vectors is not None and not final.vectors, final.vectors and final.vectors.line()
    assert chroma_collection(settings, create=False).count() == final.n_chunks
    assert not pending_chunk_ids(settings)
    return final


@pytest.fixture(scope="module")
def two_hosts(postgres_server, chroma_server, tmp_path_factory) -> Iterator[tuple[Shared, list[str]]]:
    """The seeds ingested from host "a"; `rag serve` on hosts "b" and "c", each with its own empty index folder,
    running until the module's tests are done."""
    root = tmp_path_factory.mktemp("shared-hosts")
    shared = make_shared(postgres_server, chroma_server, root, "shared-serve")
    assert summary_counts(shared.index_now("a", SEEDS))["added"] == 5
    with ExitStack() as servers:
        urls = []
        for host in ("b", "c"):
            port = free_port()
            url = f"http://127.0.0.1:{port}/"
            servers.enter_context(running(
                [sys.executable, "-m", "rag.cli", "serve", "--port", str(port), "--index", str(root / host)],
                ready_url=url + "openapi.json", log_path=root / f"serve-{host}.log", cwd=REPO_ROOT,
                env=shared.env()))
            urls.append(url)
        yield shared, urls


def ask(http: httpx.Client, question: str) -> dict:
    got = http.post("/api/v1/ask", json={"question": question})
    assert got.status_code == 200, got.text
    return got.json()


def test_an_article_ingested_on_one_host_is_answered_on_another_without_restart(two_hosts, tmp_path):
    shared, (on_b, _) = two_hosts
    with httpx.Client(base_url=on_b, timeout=120) as http:
        before = ask(http, FERRY_QUESTION)
        assert not any("Larkmouth" in c["quote"] for c in before["citations"])
        story = tmp_path / "ferry.txt"
        story.write_text(FERRY, encoding="utf-8")
        assert summary_counts(shared.index_now("a", story))["added"] == 1
        after = ask(http, FERRY_QUESTION)
    ferry = next(a for a in stats(shared.host("b")).articles if a.title == FERRY.splitlines()[0])
    assert after["kind"] == "answered", after["text"]
    assert after["citations"][0]["article_id"] == ferry.id
    assert "every forty minutes" in after["citations"][0]["quote"]


def test_two_ingests_at_once_lose_and_double_nothing(postgres_server, chroma_server, tmp_path, multihop_records):
    shared = make_shared(postgres_server, chroma_server, tmp_path, "shared-two-writers")
    records = multihop_records[:30]
    # One drop folder both hosts read (a shared mount): the middle file is given to both.
    parts = [write_corpus(tmp_path / "drop" / f"part{i}.json", records[10 * i:10 * i + 10]) for i in range(3)]
    a = shared.index("a", parts[0], parts[1], log=tmp_path / "a.log")
    b = shared.index("b", parts[1], parts[2], log=tmp_path / "b.log")
    for proc, log in ((a, tmp_path / "a.log"), (b, tmp_path / "b.log")):
        assert proc.wait(timeout=900) == 0, log.read_text()[-3000:]
    done = [summary_counts((tmp_path / f"{host}.log").read_text()) for host in ("a", "b")]
    assert sum(d["added"] for d in done) == 30 and sum(d["unchanged"] for d in done) == 10, done
    final = assert_every_vector_accounted_for(shared.host("a"), 30)
    assert sorted(a.title for a in final.articles) == sorted(r["title"].strip() for r in records)


def test_an_ingest_killed_mid_way_leaves_nothing_half_visible(postgres_server, chroma_server, tmp_path, multihop_records):
    shared = make_shared(postgres_server, chroma_server, tmp_path, "shared-killed")
    records = multihop_records[:40]
    corpus = write_corpus(tmp_path / "drop" / "corpus.json", records)
    host_a, host_b = shared.host("a"), shared.host("b")
    proc = shared.index("a", corpus, log=tmp_path / "a.log")
    # SIGKILL once a batch has committed and the next one's vectors are being written (listed in pending).
    deadline = time.monotonic() + 600
    while not (committed_articles(host_b) and pending_chunk_ids(host_b)):
        assert proc.poll() is None, f"the ingest ended before it could be killed:\n{(tmp_path / 'a.log').read_text()}"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    killed = stats(host_b)  # what another host sees
    assert 0 < killed.n_articles < len(records)
    assert all(a.chunks for a in killed.articles)
    # Every committed chunk has its vector; the killed batch's vectors are listed as pending, so not stray.
    assert killed.vectors is not None and not killed.vectors, killed.vectors.line()
    left = pending_chunk_ids(host_b)  # listed before their vectors are written: some may not be in Chroma
    assert left and killed.n_chunks <= chroma_collection(host_b, create=False).count() <= killed.n_chunks + len(left)
    complete = {a.id: a.chunks for a in killed.articles}

    log = shared.index_now("b", corpus)  # the next ingest, from another host
    assert summary_counts(log)["unchanged"] == len(complete), log
    final = assert_every_vector_accounted_for(host_b, len(records))
    # What was visible after the kill was whole: the same articles with the same chunks.
    assert {a.id: a.chunks for a in final.articles if a.id in complete} == complete


@dataclass(frozen=True)
class Asked:
    question: str
    host: str
    status: int | None  # None: no HTTP answer at all
    body: dict | str
    seconds: float

    @property
    def error(self) -> str | None:
        if self.status != 200:
            return f"{self.status}: {str(self.body)[:300]}"
        return self.body.get("error")


def ask_until(stop: threading.Event, url: str, questions: list[str], out: list[Asked], offset: int) -> None:
    with httpx.Client(base_url=url, timeout=300) as http:
        i = offset
        while not stop.is_set():
            question = questions[i % len(questions)]
            t0 = time.perf_counter()
            try:
                got = http.post("/api/v1/ask", json={"question": question})
                status, body = got.status_code, (got.json() if got.status_code == 200 else got.text)
            except httpx.HTTPError as exc:
                status, body = None, repr(exc)
            out.append(Asked(question, url, status, body, time.perf_counter() - t0))
            i += 1


def test_sixteen_clients_on_two_hosts_while_a_third_ingests(two_hosts, tmp_path, multihop_records):
    shared, urls = two_hosts
    records = multihop_records[:N_ARTICLES]
    corpus = write_corpus(tmp_path / f"multihop-{N_ARTICLES}.json", records)
    before = stats(shared.host("a"))
    questions = list(SEED_QUESTIONS) + multihop_questions({r["title"] for r in records})
    began = time.perf_counter()
    writer = shared.index("d", corpus, log=tmp_path / "ingest.log")
    per_client = clients_during(
        writer, CLIENTS, lambda k, stop, out: ask_until(stop, urls[k % 2], questions, out, k),
        timeout=max(1200, 10 * N_ARTICLES))
    seconds = time.perf_counter() - began
    log = (tmp_path / "ingest.log").read_text()
    assert writer.returncode == 0, log[-3000:]

    asked = [a for client in per_client for a in client]
    assert all(per_client), "every client got at least one answer"
    errors = [(a.host, a.question, a.error) for a in asked if a.error]
    assert not errors, errors[:5]
    for a in asked:
        if a.question in SEED_QUESTIONS:
            assert a.body["citations"] and a.body["kind"] != "not_found", a.body["text"]

    final = assert_every_vector_accounted_for(shared.host("c"), before.n_articles + N_ARTICLES)
    assert {r["title"].strip() for r in records} <= {a.title for a in final.articles}

    # Every citation, whenever it was made and by either host, quotes a committed article exactly.
    cited = [c for a in asked for c in a.body["citations"]]
    texts = article_texts(shared.host("c"), {c["article_id"] for c in cited})
    assert cited
    for c in cited:
        assert texts[c["article_id"]][c["start"]:c["end"]] == c["quote"]

    latencies = sorted(a.seconds for a in asked)
    new_cited = sum(1 for a in asked if any(c["article_id"] not in {x.id for x in before.articles}
                                            for c in a.body["citations"]))
    per_host = {url: sum(1 for a in asked if a.host == url) for url in urls}
    print(f"\nshared library: {CLIENTS} clients on 2 `rag serve` hosts ({', '.join(map(str, per_host.values()))} "
          f"requests) while a third process ingested {N_ARTICLES} MultiHop-RAG articles in {seconds:.0f} s: "
          f"{len(asked)} requests, {len(errors)} errors, p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
          f"p95 {latencies[int(0.95 * (len(latencies) - 1))] * 1000:.0f} ms; {len(cited)} citations, all verbatim; "
          f"{new_cited} answers cited articles committed during the run; at the end {final.n_articles} articles "
          f"({before.n_articles} before), {final.n_chunks} chunks, "
          f"{chroma_collection(shared.host('c'), create=False).count()} vectors, 0 pending")
