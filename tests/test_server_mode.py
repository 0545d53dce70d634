"""Server mode end to end: a real `chroma run` server on loopback holds the vectors; the SQLite
library (articles, chunks, BM25 index) stays in the index folder. Ingest, query, the UI, remove
and stats all run unchanged through `Settings(chroma_url=...)`."""

from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from index import ingest, remove, stats
from rag import Filters, query
from rag.settings import Settings
from rag.store import IndexMismatchError, Library

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
MEXICO = "How many asylum applications does Mexico process a year?"

pytestmark = pytest.mark.e2e


def server_settings(index_dir: Path, url: str, collection: str) -> Settings:
    return Settings.load(environ={}, overrides={"index_dir": str(index_dir), "chroma_url": url,
                                                "collection": collection})


def server_ids(url: str, collection: str) -> set[str]:
    """Every vector id in the server's collection, read with a client of our own."""
    host, port = url.rsplit(":", 1)
    client = chromadb.HttpClient(host=host.split("//")[1], port=int(port),
                                 settings=ChromaSettings(anonymized_telemetry=False))
    return set(client.get_collection(collection).get(include=[])["ids"])


def library_chunk_ids(settings: Settings) -> set[str]:
    return {r[0] for r in Library(settings.index_dir).connect().execute("SELECT id FROM chunks")}


def cited_files(answer, settings: Settings) -> list[str]:
    paths = {a.id: Path(a.path).name for a in stats(settings).articles}
    return [paths[c.article_id] for c in answer.citations]


def test_seeds_ingest_query_ui_remove_through_a_chroma_server(chroma_server, tmp_path):
    settings = server_settings(tmp_path / "index", chroma_server.url, "seeds-server")
    report = ingest([SEEDS], settings)
    assert len(report.added) == 5 and not report.problems, report.summary()

    # The vectors live in the server; the index folder holds only the library and manifest.
    chunk_ids = library_chunk_ids(settings)
    assert chunk_ids and server_ids(chroma_server.url, settings.collection) == chunk_ids
    assert not (settings.index_dir / "chroma").exists()
    assert (settings.index_dir / "library.sqlite").is_file()
    manifest = stats(settings).manifest
    assert manifest["chroma_url"] == chroma_server.url and manifest["collection"] == "seeds-server"

    answer = query(MEXICO, index=settings)
    assert answer.error is None and answer.citations, answer.text
    assert cited_files(answer, settings)[0].startswith("001_")
    assert "140,000" in answer.citations[0].quote

    from ui.app import Librarian  # what the chat's page asks and lists through; imports gradio

    chat = Librarian(settings)
    assert chat.open_error is None
    shown = chat.view()
    assert shown.banner == "" and len(shown.articles) == 5 and shown.examples
    in_chat = chat.ask(MEXICO, [], Filters())
    assert in_chat.citations and in_chat.citations[0].quote == answer.citations[0].quote

    afp = next(a for a in stats(settings).articles if Path(a.path).name.startswith("001_"))
    assert remove(afp.id, settings)
    assert not remove(afp.id, settings)
    after = stats(settings)
    assert after.n_articles == 4 and afp.id not in {a.id for a in after.articles}
    assert server_ids(chroma_server.url, settings.collection) == library_chunk_ids(settings)
    assert after.n_chunks == len(chunk_ids) - afp.chunks

    # The open assistant reads the library live: no citation of the removed article any more.
    answer = query(MEXICO, index=settings)
    assert answer.error is None
    assert all(c.article_id != afp.id for c in answer.citations)


def test_two_index_folders_share_one_server_in_separate_collections(chroma_server, tmp_path):
    """Folder A holds the AFP and Boston Globe articles, folder B the other three; one server, two collections."""
    seeds = sorted(SEEDS.glob("*.txt"))
    a_files = [p for p in seeds if p.name.startswith(("001_", "003_"))]
    b_files = [p for p in seeds if p not in a_files]
    a = server_settings(tmp_path / "a", chroma_server.url, "shared-a")
    b = server_settings(tmp_path / "b", chroma_server.url, "shared-b")
    assert len(ingest(a_files, a).added) == 2
    assert len(ingest(b_files, b).added) == 3

    a_ids, b_ids = server_ids(chroma_server.url, "shared-a"), server_ids(chroma_server.url, "shared-b")
    assert a_ids == library_chunk_ids(a) and b_ids == library_chunk_ids(b)
    assert not a_ids & b_ids

    a_answer = query(MEXICO, index=a)
    assert a_answer.error is None and "140,000" in a_answer.citations[0].quote
    b_answer = query(MEXICO, index=b)
    b_articles = {x.id for x in stats(b).articles}
    assert b_answer.error is None
    assert all(c.article_id in b_articles for c in b_answer.citations)
    assert "140,000" not in b_answer.text

    # A third folder cannot silently write into a collection another index owns.
    with pytest.raises(IndexMismatchError, match="RAG_COLLECTION"):
        ingest(a_files[:1], server_settings(tmp_path / "c", chroma_server.url, "shared-a"))
    assert server_ids(chroma_server.url, "shared-a") == a_ids

    # Opening a server-built index without the server URL says where its vectors are.
    answer = query(MEXICO, index=a.replace(chroma_url=None))
    assert answer.error and chroma_server.url in answer.error


def test_rebuild_on_a_server_swaps_collections_only_when_complete(chroma_server, tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    settings = server_settings(tmp_path / "idx", chroma_server.url, "rebuilt")
    ingest(seeds[:1], settings)
    before = server_ids(chroma_server.url, "rebuilt")
    (tmp_path / "empty.txt").write_text("")
    assert ingest([tmp_path / "empty.txt"], settings, rebuild=True).kept_old_index
    assert server_ids(chroma_server.url, "rebuilt") == before == library_chunk_ids(settings)
    report = ingest(seeds[1:2], settings, rebuild=True)
    assert len(report.added) == 1 and [a.path for a in stats(settings).articles] == [str(seeds[1])]
    assert server_ids(chroma_server.url, "rebuilt") == library_chunk_ids(settings) != before
    host, port = chroma_server.url.rsplit(":", 1)
    client = chromadb.HttpClient(host=host.split("//")[1], port=int(port),
                                 settings=ChromaSettings(anonymized_telemetry=False))
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    assert not {"rebuilt-rebuild", "rebuilt-old"} & names
