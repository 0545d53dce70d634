"""A live `python -m ui` server on a copy of the seeds index, shared by the UI tests."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.settings import REPO_ROOT, Settings
from tests.servers import free_port, running

STARTUP_SECONDS = 180
CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class LiveApp:
    url: str
    settings: Settings  # of the index copy the server uses
    log: Path


@pytest.fixture(scope="session")
def live_app(seeds_index: Settings, tmp_path_factory) -> LiveApp:
    """`python -m ui --port <free> --index <copy of the seeds index>`, stopped at the end of the session."""
    work = tmp_path_factory.mktemp("ui-app")
    index_copy = work / "index"
    shutil.copytree(seeds_index.index_dir, index_copy, ignore=shutil.ignore_patterns("ingest.lock"))
    settings = seeds_index.replace(index_dir=index_copy, port=free_port())
    log = work / "server.log"
    env = dict(os.environ, RAG_COLLECTION=settings.collection, RAG_MODEL=settings.model,
               RAG_BACKEND=settings.backend)
    env.pop("RAG_INDEX_DIR", None)
    url = f"http://127.0.0.1:{settings.port}/"
    cmd = [sys.executable, "-m", "ui", "--port", str(settings.port), "--index", str(index_copy)]
    with running(cmd, ready_url=url + "config", log_path=log, timeout=STARTUP_SECONDS, cwd=REPO_ROOT, env=env):
        yield LiveApp(url, settings, log)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright, headless, kept off the network but loopback."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update",
            "--proxy-server=127.0.0.1:9"])  # Chromium's own calls home go nowhere; loopback still loads
        yield b
        b.close()
