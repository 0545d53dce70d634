"""A live `python -m ui` server on a copy of the seeds index, shared by the UI tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.settings import REPO_ROOT, Settings

STARTUP_SECONDS = 180


@dataclass(frozen=True)
class LiveApp:
    url: str
    settings: Settings  # of the index copy the server uses
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the app exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "config", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the app did not answer within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def live_app(seeds_index: Settings, tmp_path_factory) -> LiveApp:
    """`python -m ui --port <free> --index <copy of the seeds index>`, stopped at the end of the session."""
    work = tmp_path_factory.mktemp("ui-app")
    index_copy = work / "index"
    shutil.copytree(seeds_index.index_dir, index_copy, ignore=shutil.ignore_patterns("ingest.lock"))
    settings = seeds_index.replace(index_dir=index_copy, port=_free_port())
    log = work / "server.log"
    env = dict(os.environ, RAG_COLLECTION=settings.collection, RAG_MODEL=settings.model,
               RAG_BACKEND=settings.backend)
    env.pop("RAG_INDEX_DIR", None)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui", "--port", str(settings.port), "--index", str(index_copy)],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{settings.port}/"
    try:
        _wait_ready(url, proc, log)
        yield LiveApp(url, settings, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
