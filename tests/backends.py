"""Both library backends for one test: parametrise with `BACKENDS` and build the settings with `settings_on`.

    @pytest.fixture(params=BACKENDS)
    def settings(request, tmp_path):
        return settings_on(request, tmp_path / "idx")      # SQLite in the folder, or a new PostgreSQL database
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from rag.settings import Settings

# The PostgreSQL runs start a server (`postgres_server`): e2e.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.e2e)]


def settings_on(request, index_dir: Path, **changes) -> Settings:
    """Settings of an index at `index_dir` whose library is on the backend `request.param`: SQLite in the folder,
    or a new database of the session's PostgreSQL server."""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        changes["database_url"] = server.new_database(f"t{uuid.uuid4().hex[:16]}")
    return Settings.load(environ={}, overrides={"index_dir": str(index_dir), **changes})
