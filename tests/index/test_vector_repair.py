"""A vector store that lost vectors is noticed and repaired (`rag.vector_check`, `index.pipeline.repair`), with a
real `chroma run` server restarted on an empty folder, the real model and the real CLI."""

import html
import logging
from pathlib import Path

import numpy as np
import pytest

from index import ingest, repair, stats
from rag.assistant import Assistant, query
from rag.cli import main
from rag.settings import Settings
from rag.store import chroma_collection, open_library
from rag.vector_check import vector_ids
from tests.backends import BACKENDS, settings_on
from tests.servers import chroma_running, free_port

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
MEXICO = "How many asylum applications does Mexico process a year?"

pytestmark = pytest.mark.e2e


def chunk_ids(settings: Settings) -> set[str]:
    return {r[0] for r in open_library(settings).connect().execute("SELECT id FROM chunks")}


def run(capsys, *argv: str) -> tuple[int, str]:
    """`rag ARGV...` in this process: (exit code, what it printed)."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def cited(answer) -> list[tuple[str, str]]:
    return [(c.article_id, c.quote) for c in answer.citations]


def test_a_server_restarted_empty_is_noticed_answered_by_keywords_and_repaired(tmp_path, capsys, caplog):
    port = free_port()
    index_dir = tmp_path / "index"
    common = ("--index", str(index_dir), "--chroma-url", f"http://127.0.0.1:{port}")
    with chroma_running(tmp_path / "data", port, tmp_path / "chroma.log") as server:
        code, out = run(capsys, "index", str(SEEDS), *common)
        assert code == 0 and "added 5" in out and "no vector" not in out, out
        settings = Settings.load(environ={}, overrides={"index_dir": str(index_dir), "chroma_url": server.url})
        n = len(chunk_ids(settings))
        open_throughout = Assistant(settings)  # a chat that stays up while Chroma restarts
        before = query(MEXICO, index=open_throughout)
        assert before.error is None and "140,000" in before.citations[0].quote, before.text
        code, out = run(capsys, "stats", *common)
        assert code == 0 and "no vector" not in out, out

    lost = (f"{n} of {n} chunks have no vector in the Chroma collection {settings.collection!r} on {server.url} "
            "(the vector store lost them?): run `rag index --repair`")
    with chroma_running(tmp_path / "empty", port, tmp_path / "chroma-again.log"):
        # The collection itself is gone: stats says so, and the keyword side answers alone, still cited.
        code, out = run(capsys, "stats", *common)
        assert code == 0 and lost in out.splitlines(), out
        with caplog.at_level(logging.WARNING, logger="rag.assistant"):
            open_while_lost = Assistant(settings)
        assert open_while_lost.vector_gap.line() == lost and lost in caplog.messages
        for assistant in (open_while_lost, open_throughout):
            keyword_only = query(MEXICO, index=assistant)
            assert keyword_only.error is None and not keyword_only.abstained, keyword_only.text
            assert "140,000" in keyword_only.citations[0].quote

        from ui.app import Librarian  # the chat's page; imports gradio

        chat = Librarian(settings)
        assert 'class="nr-banner nr-warn"' in chat.view().banner and html.unescape(chat.view().banner).count(lost) == 1

        # An ingest of the same files finds them unchanged and says the vectors are gone.
        code, out = run(capsys, "index", str(SEEDS), *common)
        assert "unchanged 5" in out and "0 chunks embedded" in out and lost in out.splitlines(), out
        assert vector_ids(chroma_collection(settings, create=False)) == set()
        empty_collection = query(MEXICO, index=Assistant(settings))
        assert empty_collection.error is None and "140,000" in empty_collection.citations[0].quote

        code, out = run(capsys, "index", "--repair", *common)
        assert code == 0, out
        assert f"repaired: {n} of {n} chunks re-embedded; vectors of no chunk dropped: 0;" in out, out
        assert "every chunk has its vector" in out
        assert vector_ids(chroma_collection(settings, create=False)) == chunk_ids(settings)
        code, out = run(capsys, "stats", *common)
        assert "no vector" not in out, out
        assert chat.view().banner == ""

        code, out = run(capsys, "ask", MEXICO, "--json", *common)
        assert code == 0 and "140,000" in out, out
        after = query(MEXICO, index=Assistant(settings))
        assert cited(after) == cited(before) and after.text == before.text
        # Assistants opened before the restart or while the collection was gone find the repaired one.
        for assistant in (open_while_lost, open_throughout):
            assert query(MEXICO, index=assistant).text == before.text
            assert vector_ids(assistant.retriever.collection) == chunk_ids(settings)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request


def test_vectors_deleted_from_an_embedded_collection_are_repaired_and_a_stray_one_dropped(tmp_path, capsys, backend):
    settings = settings_on(backend, tmp_path / "index")  # the library in SQLite, or in PostgreSQL
    assert len(ingest([SEEDS], settings).added) == 5
    collection = chroma_collection(settings, create=False)
    ids = sorted(chunk_ids(settings))
    original = collection.get(ids=ids, include=["embeddings", "metadatas", "documents"])
    deleted = ids[::4]
    collection.delete(ids=deleted)
    collection.add(ids=["stray-chunk"], embeddings=[original["embeddings"][0]], documents=["no chunk has this"],
                   metadatas=[original["metadatas"][0]])

    gap = stats(settings).vectors
    assert gap.missing == set(deleted) and gap.stray == {"stray-chunk"}
    assert gap.line() == (f"{len(deleted)} of {len(ids)} chunks have no vector in the Chroma collection "
                          f"{settings.collection!r} in {settings.index_dir}/chroma, which holds 1 vector of no chunk "
                          "(the vector store lost them?): run `rag index --repair`")
    database = ("--database-url", settings.database_url) if settings.database_url else ()
    code, out = run(capsys, "index", str(SEEDS), "--index", str(settings.index_dir), *database)
    assert "unchanged 5" in out and gap.line() in out.splitlines(), out

    report = repair(settings)
    assert (report.embedded, report.dropped, report.chunks, report.left) == (len(deleted), 1, len(ids), None)
    assert vector_ids(collection) == set(ids)
    again = collection.get(ids=ids, include=["embeddings", "metadatas", "documents"])
    by_id = {i: k for k, i in enumerate(again["ids"])}
    for k, i in enumerate(original["ids"]):  # the vector, metadata and text the ingest wrote
        # int8 ONNX quantizes activations per batch, so a chunk embedded beside others differs in the last digits.
        cosine = float(np.dot(again["embeddings"][by_id[i]], original["embeddings"][k]))
        assert cosine > 0.98, (i, cosine)
        assert again["metadatas"][by_id[i]] == original["metadatas"][k]
        assert again["documents"][by_id[i]] == original["documents"][k]
    assert not stats(settings).vectors
    assert repair(settings).summary().startswith(f"repaired: 0 of {len(ids)} chunks re-embedded; vectors of no chunk dropped: 0;")


def test_a_stray_vector_alone_is_reported_and_dropped(seeds_index, tmp_path, capsys):
    import shutil

    settings = seeds_index.replace(index_dir=tmp_path / "copy")
    shutil.copytree(seeds_index.index_dir, settings.index_dir, ignore=shutil.ignore_patterns("ingest.lock"))
    collection = chroma_collection(settings, create=False)
    some = collection.get(limit=1, include=["embeddings", "metadatas"])
    collection.add(ids=["left-behind"], embeddings=some["embeddings"], metadatas=some["metadatas"])
    code, out = run(capsys, "stats", "--index", str(settings.index_dir))
    assert (f"1 vector in the Chroma collection {settings.collection!r} in {settings.index_dir}/chroma belongs to no "
            "chunk of the library: run `rag index --repair` to drop them") in out.splitlines(), out
    code, out = run(capsys, "index", "--repair", "--index", str(settings.index_dir))
    assert code == 0 and "re-embedded; vectors of no chunk dropped: 1;" in out, out
    assert vector_ids(collection) == chunk_ids(settings)
