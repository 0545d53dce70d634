"""Shared fixtures. `seeds_index`: the five seed articles indexed once per test session.

    def test_something(seeds_index):          # seeds_index is a rag.settings.Settings
        answer = rag.query("...", index=seeds_index)
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory):
    """Settings pointing at a fresh index of `seeds/` (real model, real Chroma), built once per session."""
    from index import ingest
    from rag.settings import Settings

    settings = Settings.load(environ={}, overrides={"index_dir": str(tmp_path_factory.mktemp("seeds-index"))})
    report = ingest([ROOT / "seeds"], settings)
    assert len(report.added) == 5 and not report.problems, report.summary()
    return settings
