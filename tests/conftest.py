"""Shared fixtures. `seeds_index`: the five seed articles indexed once per test session;
`chroma_server`: a real Chroma server on loopback, started on first use. A test not marked e2e that loads the
real model fails (`pytest_runtest_protocol`).

    def test_something(seeds_index):          # seeds_index is a rag.settings.Settings
        answer = rag.query("...", index=seeds_index)
"""

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.servers import free_port, running

ROOT = Path(__file__).resolve().parents[1]


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


@dataclass(frozen=True)
class ChromaServer:
    """A running `chroma run` server: `url` goes into `Settings(chroma_url=...)`."""

    url: str
    path: Path  # the server's own data folder
    log: Path


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> Iterator[ChromaServer]:
    """A real Chroma server from the chromadb package on a free loopback port, stopped at the end of the session.

        def test_it(chroma_server):
            settings = Settings.load(environ={}, overrides={"index_dir": ..., "chroma_url": chroma_server.url})
    """
    work = tmp_path_factory.mktemp("chroma-server")
    url = f"http://127.0.0.1:{free_port()}"
    # The Rust server only exports OpenTelemetry when told where to; keep any inherited endpoint out.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env["ANONYMIZED_TELEMETRY"] = "False"
    log = work / "server.log"
    cmd = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(work / "data"),
           "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1]]
    with running(cmd, ready_url=url + "/api/v2/heartbeat", log_path=log, timeout=60, cwd=work, env=env):
        yield ChromaServer(url, work / "data", log)
