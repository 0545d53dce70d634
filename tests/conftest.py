"""Shared fixtures. `seeds_index`: the five seed articles indexed once per test session;
`chroma_server`: a real Chroma server on loopback, started on first use; `postgres_server`: a real PostgreSQL,
likewise. A test not marked e2e that loads the real model fails (`pytest_runtest_protocol`). The MultiHop-RAG
evaluation index is built in the background while the other tests run, and the tests that read it run last
(`pytest_collection_finish`).

    def test_something(seeds_index):          # seeds_index is a rag.settings.Settings
        answer = rag.query("...", index=seeds_index)
"""

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.servers import ChromaServer, PostgresServer, chroma_running, free_port, postgres_running, running

ROOT = Path(__file__).resolve().parents[1]


# Fixtures that read the MultiHop-RAG evaluation index (`eval.cli.eval_index(..., "multihop")`). Building it is
# the largest single cost of the suite (609 articles, their chunks and sentences embedded: 6-9 minutes of both
# cores), while most other e2e tests wait on servers, browsers and subprocesses and leave the cores half idle.
MULTIHOP_INDEX_FIXTURES = {"multihop_report", "multihop_new", "multihop_time"}
BUILD_MULTIHOP = """
from eval.cli import eval_index
from eval.paths import MULTIHOP_DIR
from rag.settings import Settings
eval_index(Settings.load(environ={}), [MULTIHOP_DIR / "corpus.json"], "multihop")
"""


def pytest_collection_finish(session):
    """When selected tests read the MultiHop-RAG index: move them last, and start building (or updating) the index
    in a niced background process, so that it uses the cores the other tests leave idle. Their fixtures call the
    same `eval_index`, which waits for the background ingest's writer lock and then finds every article indexed.
    """
    from eval.paths import MULTIHOP_DIR

    needs = [item for item in session.items if MULTIHOP_INDEX_FIXTURES & set(getattr(item, "fixturenames", ()))]
    if not needs or session.config.option.collectonly or not (MULTIHOP_DIR / "corpus.json").is_file():
        return
    session.items[:] = [item for item in session.items if item not in needs] + needs
    import subprocess

    log = Path(tempfile.gettempdir()) / f"newsrag-multihop-index-{os.getpid()}.log"
    session.config._multihop_log = log
    with open(log, "w") as out:
        session.config._multihop_build = subprocess.Popen(
            [sys.executable, "-c", BUILD_MULTIHOP], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("RAG_")}, preexec_fn=lambda: os.nice(10))


def pytest_sessionfinish(session):
    """Stop a background build still running (only part of the suite ran; the next ingest completes it), and
    keep its log only when it failed."""
    build = getattr(session.config, "_multihop_build", None)
    if build is None:
        return
    failed = build.poll() not in (None, 0)
    if build.poll() is None:
        build.terminate()
        build.wait(timeout=60)
    if not failed:
        session.config._multihop_log.unlink(missing_ok=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """A test not marked e2e may not load the real model: the fast lane (`pytest -m "not e2e"`) stays fast.

    Every load of the model finds its files with `rag.embedder._model_dir`; during such a test that fails and names
    the test.
    """
    if item.get_closest_marker("e2e"):
        yield
        return
    import rag.embedder

    def refuse(name: str):
        raise AssertionError(f"{item.nodeid} loads the real model: mark it @pytest.mark.e2e")

    find = rag.embedder._model_dir
    rag.embedder._model_dir = refuse
    try:
        yield
    finally:
        rag.embedder._model_dir = find


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory):
    """Settings pointing at a fresh index of `seeds/` (real model, real Chroma), built once per session."""
    from index import ingest
    from rag.settings import Settings

    settings = Settings.load(environ={}, overrides={"index_dir": str(tmp_path_factory.mktemp("seeds-index"))})
    report = ingest([ROOT / "seeds"], settings)
    assert len(report.added) == 5 and not report.problems, report.summary()
    return settings


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> Iterator[ChromaServer]:
    """A real Chroma server from the chromadb package on a free loopback port, stopped at the end of the session.

        def test_it(chroma_server):
            settings = Settings.load(environ={}, overrides={"index_dir": ..., "chroma_url": chroma_server.url})
    """
    work = tmp_path_factory.mktemp("chroma-server")
    with chroma_running(work / "data", free_port(), work / "server.log") as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL (Debian's server package) on a free loopback port, stopped at the end of the session.

        def test_it(postgres_server):
            settings = Settings.load(environ={}, overrides={"database_url": postgres_server.new_database("t")})
    """
    # Not under pytest's own temp folder: that one is private to root, and the server runs as another user.
    with tempfile.TemporaryDirectory(prefix="newsrag-pg-") as work, postgres_running(Path(work), free_port()) as server:
        yield server


@dataclass(frozen=True)
class SignedInServer:
    """`rag serve` on a copy of the seeds index with users: `keys[name]` is each user's API key,
    `passwords[name]` their password; users "reader", "editor", "admin", and "limited" (a reader whose
    key the rate-limit test spends)."""

    url: str
    settings: "Settings"
    log: Path
    keys: dict
    passwords: dict


SERVER_RATE = "30/minute"  # per key: the tests' own requests stay below it, the rate-limit test goes past it


@pytest.fixture(scope="session")
def signed_in_server(seeds_index, tmp_path_factory) -> Iterator[SignedInServer]:
    """The one server of the API and sign-in tests, stopped at the end of the session."""
    import shutil

    from rag.accounts import Accounts

    work = tmp_path_factory.mktemp("signed-in-server")
    index_copy = work / "index"
    shutil.copytree(seeds_index.index_dir, index_copy, ignore=shutil.ignore_patterns("ingest.lock"))
    settings = seeds_index.replace(index_dir=index_copy, port=free_port())
    accounts = Accounts(index_copy)
    roles = {"reader": "reader", "editor": "editor", "admin": "admin", "limited": "reader"}
    passwords = {name: f"pw-{name}-{os.urandom(6).hex()}" for name in roles}
    for name, role in roles.items():
        accounts.add_user(name, role, passwords[name], actor="test")
    keys = {name: accounts.create_key(name, actor="test") for name in roles}
    log = work / "server.log"
    env = dict(os.environ, RAG_COLLECTION=settings.collection, RAG_MODEL=settings.model,
               RAG_BACKEND=settings.backend, RAG_API_KEY_RATE=SERVER_RATE, RAG_API_USER_RATE="1000/minute")
    env.pop("RAG_INDEX_DIR", None)
    url = f"http://127.0.0.1:{settings.port}/"
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--port", str(settings.port), "--index", str(index_copy)]
    with running(cmd, ready_url=url + "openapi.json", log_path=log, timeout=180, cwd=ROOT, env=env):
        yield SignedInServer(url, settings, log, keys, passwords)
