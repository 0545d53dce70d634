"""The library in a real PostgreSQL: moved from SQLite by `rag migrate`, ranked as FTS5 ranks, and each bad setting
refused in one line with nothing written."""

import re
import shutil
from pathlib import Path

import pytest

from index import ingest
from rag.assistant import Assistant, query
from rag.cli import main
from rag.filters import Filters
from rag.spelling import library_spelling
from rag.store import IndexMismatchError, count_articles, open_library, publishers, stored_manifest
from rag.text import content_words
from tests.servers import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ["How many asylum applications does Mexico process a year?",
             "What did López Obrador say about fentanyl?",
             "Which cartels did the United States sanction?",
             "What did Blinken say in Mexico City?",
             "Who leads the migration talks?",
             "Which reports reported the sanctioned cartels?"]  # two words, one stem: FTS5 counts it twice


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """`rag ARGV...` in this process: (exit code, stdout, stderr)."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def migrated(seeds_index, postgres_server, tmp_path, capsys):
    """(the seeds index in SQLite, the same library migrated into a new PostgreSQL database), sharing vectors."""
    folder = tmp_path / "index"
    shutil.copytree(seeds_index.index_dir, folder, ignore=shutil.ignore_patterns("ingest.lock"))
    sqlite = seeds_index.replace(index_dir=folder)
    url = postgres_server.new_database("migrated")
    code, out, err = run(capsys, "migrate", "--to", url, "--index", str(folder))
    assert code == 0, err
    return sqlite, sqlite.replace(database_url=url), out


def test_migrate_copies_every_row_and_answers_alike(migrated):
    sqlite, postgres, out = migrated
    counts = {m[1]: (m[2], m[3]) for m in (re.fullmatch(r"(.+?) +([\d,]+) → ([\d,]+)", line)
                                           for line in out.splitlines()[:-1])}
    assert counts["articles"] == ("5", "5") and counts["keyword index"][0] == counts["chunks"][0] != "0"
    assert all(here == there for here, there in counts.values()) and len(counts) == 9
    assert "the vectors stay in" in out.splitlines()[-1] and postgres.database_url.split("@")[0] not in out
    assert stored_manifest(postgres) == stored_manifest(sqlite)
    vectors = "SELECT article_id, idx, vector FROM sentences ORDER BY article_id, idx"
    copied = [tuple(r) for r in open_library(postgres).connect().execute(vectors)]
    assert [(a, i, bytes(v)) for a, i, v in copied] == [tuple(r) for r in open_library(sqlite).connect().execute(vectors)]
    assert all(v is not None for *_, v in copied)  # the sentence vectors go with the library
    on_sqlite, on_postgres = Assistant(sqlite), Assistant(postgres)
    for question in QUESTIONS:
        words = content_words(question)
        lite, pg = on_sqlite.library.connect(), on_postgres.library.connect()
        assert pg.keyword_search(words, None, 60) == lite.keyword_search(words, None, 60), question
        for source in publishers(lite):
            # Within a publisher the same chunks (not their order: SQLite narrows inside FTS5 by a match on the
            # publisher's name, whose own BM25 share re-orders chunks the question's words score near zero).
            within = Filters(sources=(source,))
            assert set(pg.keyword_search(words, within, 60)) == set(lite.keyword_search(words, within, 60)), (
                question, source)
        a, b = query(question, index=on_sqlite), query(question, index=on_postgres)
        assert b.text == a.text and [c.quote for c in b.citations] == [c.quote for c in a.citations], question


def test_migrate_refuses_a_database_that_holds_a_library(migrated, capsys):
    sqlite, postgres, _ = migrated
    code, out, err = run(capsys, "migrate", "--to", postgres.database_url, "--index", str(sqlite.index_dir))
    assert code == 1 and len(err.splitlines()) == 1 and "already holds a library" in err, err
    assert count_articles(open_library(postgres).connect()) == 5


def test_an_ingest_into_the_migrated_library_goes_on_from_it(migrated, tmp_path):
    _, postgres, _ = migrated
    extra = tmp_path / "extra.txt"
    extra.write_text("Glimmerford harbour reopens\n\nThe Glimmerford harbour reopened on Monday after repairs.\n")
    report = ingest([ROOT / "seeds", extra], postgres)
    assert len(report.unchanged) == 5 and len(report.added) == 1 and not report.vectors, report.summary()
    answer = query("When did the Glimmerford harbour reopen?", index=Assistant(postgres))
    assert "Monday" in answer.citations[0].quote


@pytest.mark.parametrize("case", ["unreachable", "password", "no database"])
def test_a_database_that_cannot_be_opened_is_one_line_and_nothing_is_written(case, postgres_server, tmp_path, capsys):
    url = {"unreachable": f"postgresql://rag:x@127.0.0.1:{free_port()}/news",
           "password": postgres_server.url("postgres", password="wrong"),
           "no database": postgres_server.url("no_such_db")}[case]
    advice = {"unreachable": "start the server", "password": "fix the user and password",
              "no database": "create that database"}[case]
    for argv in (["index", str(ROOT / "seeds")], ["ask", "Who?"], ["stats"]):
        code, out, err = run(capsys, *argv, "--index", str(tmp_path / "idx"), "--database-url", url)
        said = err if argv[0] != "ask" else out  # `rag ask` prints its answer, here the error, on stdout
        assert code == 1 and len(said.strip().splitlines()) == 1, (argv, out, err)
        assert "cannot open the database" in said and advice in said and "wrong" not in said, (argv, said)
    assert not (tmp_path / "idx").exists()


def test_chroma_holding_another_models_vectors_is_refused_before_any_article(seeds_index, postgres_server, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(seeds_index.index_dir, folder, ignore=shutil.ignore_patterns("ingest.lock"))
    # A new library in the database, pointed at the vectors of the seeds index built with the other backend.
    other = "torch" if seeds_index.backend != "torch" else "onnx-int8"
    settings = seeds_index.replace(index_dir=folder, backend=other,
                                   database_url=postgres_server.new_database("disagree"))
    with pytest.raises(IndexMismatchError, match="holds vectors of another index than the library.*backend"):
        ingest([ROOT / "seeds"], settings)
    library = open_library(settings)
    assert library.manifest() is None and count_articles(library.connect()) == 0


def table_counts(url: str) -> dict[str, int]:
    """Rows in every table of the database at `url` (the library's and the accounts'), by table."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        tables = [r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}


def test_rebuild_with_a_database_and_the_vectors_on_the_host_is_refused_in_one_line(migrated, capsys):
    sqlite, postgres, _ = migrated  # the library in PostgreSQL, its vectors in the index folder
    before = table_counts(postgres.database_url)
    for paths in ([str(ROOT / "seeds")], [str(ROOT / "no-such-folder")]):
        code, out, err = run(capsys, "index", "--rebuild", *paths, "--index", str(sqlite.index_dir),
                             "--database-url", postgres.database_url)
        assert code == 1 and len(err.strip().splitlines()) == 1, (out, err)
        assert "needs its vectors on a Chroma server" in err and "empty database" in err, err
        assert "the library was not changed" in err
    assert table_counts(postgres.database_url) == before
    assert not (sqlite.index_dir / ".rebuild").exists()


def test_a_read_only_database_answers_and_refuses_every_write_in_one_line(migrated, postgres_server, capsys,
                                                                           monkeypatch):
    """A hot-standby replica, or `default_transaction_read_only`: `rag ask`, `rag stats`, the lists and the server
    answer; every writing command stops before it writes, saying to point writers at the primary."""
    import io

    import psycopg
    from fastapi.testclient import TestClient

    from api.server import build_server

    sqlite, postgres, _ = migrated
    url, folder = postgres.database_url, str(sqlite.index_dir)
    on = ("--index", folder, "--database-url", url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    assert run(capsys, "user", "add", "ada", "--role", "editor", "--password-stdin", *on)[0] == 0
    code, key, _ = run(capsys, "key", "create", "ada", *on)
    key = key.strip()
    article = open_library(postgres).connect().execute("SELECT id FROM articles ORDER BY id LIMIT 1").fetchone()[0]
    with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as admin:
        admin.execute("ALTER DATABASE migrated SET default_transaction_read_only = on")
    before = table_counts(url)
    writes = [["index", str(ROOT / "seeds")], ["index", "--repair"], ["remove", article],
              ["feed", "add", "https://example.org/rss.xml"], ["feed", "update"],
              ["user", "add", "bo", "--role", "reader", "--password-stdin"], ["user", "remove", "ada"],
              ["key", "create", "ada"]]
    for argv in writes:
        monkeypatch.setattr("sys.stdin", io.StringIO("another passphrase\n"))
        code, out, err = run(capsys, *argv, *on)
        assert code == 1 and len(err.strip().splitlines()) == 1, (argv, out, err)
        assert "is read-only (default_transaction_read_only is on)" in err and "at the primary" in err, (argv, err)
        assert "nothing was written" in err and postgres_server.password not in err
    assert table_counts(url) == before

    code, out, _ = run(capsys, "ask", QUESTIONS[1], *on)
    assert code == 0 and "fentanyl" in out
    code, out, _ = run(capsys, "stats", *on)
    assert code == 0 and "5 articles" in out
    assert run(capsys, "feed", "list", *on)[:2] == (0, f"0 feeds · {folder}\n")
    assert run(capsys, "user", "list", *on)[:2] == (0, "ada\teditor\n")
    with TestClient(build_server(postgres)) as http:
        signed = {"Authorization": f"Bearer {key}"}
        asked = http.post("/api/v1/ask", json={"question": QUESTIONS[0]}, headers=signed)
        assert asked.status_code == 200 and asked.json()["citations"], asked.text
        removed = http.delete(f"/api/v1/articles/{article}", headers=signed)
        assert removed.status_code == 503 and "read-only" in removed.json()["error"]["message"], removed.text
    assert table_counts(url) == before


def test_no_session_is_left_idle_in_transaction_after_an_ingest_and_an_ask(migrated, postgres_server, tmp_path):
    """Every transaction of ours ends where it began: after an ingest, a question, the accounts' writes, no session
    of this process is 'idle in transaction' (holding its snapshot and locks, and vacuum back)."""
    import psycopg

    from rag.accounts import Accounts

    _, postgres, _ = migrated
    extra = tmp_path / "extra.txt"
    extra.write_text("Glimmerford harbour reopens\n\nThe Glimmerford harbour reopened on Monday after repairs.\n")
    assert len(ingest([ROOT / "seeds", extra], postgres).added) == 1
    assistant = Assistant(postgres)
    assert query("When did the Glimmerford harbour reopen?", index=assistant).citations
    accounts = Accounts.for_settings(postgres)
    accounts.add_user("ada", "reader", "a long passphrase", actor="test")
    accounts.save_conversation("ada", None, "Harbour", [{"role": "user", "content": "q"}])
    assert accounts.check_password("ada", "a long passphrase")
    with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as admin:
        sessions = admin.execute("SELECT state, query FROM pg_stat_activity WHERE datname = 'migrated' "
                                 "AND client_addr IS NOT NULL").fetchall()
    assert sessions, "the assistant's and the accounts' connections are open"
    assert not [s for s in sessions if s[0].startswith("idle in transaction")], sessions
    assistant.close()


def test_rebuild_of_a_shared_library_swaps_in_the_new_one_while_another_host_answers(seeds_index, postgres_server,
                                                                                    chroma_server, tmp_path, capsys,
                                                                                    monkeypatch):
    """`rag index --rebuild` with the library in PostgreSQL and the vectors on a Chroma server: the new library is
    built beside the old one and swapped in at once; a reader opened before answers from it after, without a
    restart; the accounts and the feed subscriptions stay; nothing of the build is left behind."""
    import chromadb

    from index.feeds import feeds, subscribe
    from rag.accounts import Accounts
    from rag.store_postgres import REBUILD_SCHEMA
    from index import stats

    host = seeds_index.replace(index_dir=tmp_path / "a", database_url=postgres_server.new_database("rebuild"),
                               chroma_url=chroma_server.url, collection="rebuild-test")
    extra = tmp_path / "extra.txt"
    extra.write_text("Glimmerford harbour reopens\n\nThe Glimmerford harbour reopened on Monday after repairs.\n")
    assert len(ingest([ROOT / "seeds", extra], host).added) == 6
    Accounts.for_settings(host).add_user("ada", "admin", "a long passphrase", actor="test")
    subscribe("https://example.org/rss.xml", host)
    reader = Assistant(host.replace(index_dir=tmp_path / "b"))  # another host's, open across the rebuild
    for _ in range(6):  # past psycopg's prepare threshold: the reader's statements are prepared on the server
        assert query("When did the Glimmerford harbour reopen?", index=reader).citations

    monkeypatch.setenv("RAG_COLLECTION", host.collection)
    code, out, err = run(capsys, "index", "--rebuild", str(ROOT / "seeds"), "--index", str(host.index_dir),
                         "--database-url", host.database_url, "--chroma-url", host.chroma_url)
    assert code == 0 and out.startswith("added 5, updated 0, unchanged 0"), (out, err)

    after = stats(host)
    assert after.n_articles == 5 and after.vectors is not None and not after.vectors, after.vectors
    assert after.manifest["collection"] == "rebuild-test"
    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.url.rsplit(":", 1)[1]))
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    assert "rebuild-test" in names and not names & {"rebuild-test-rebuild", "rebuild-test-old"}
    assert client.get_collection("rebuild-test").count() == after.n_chunks
    schemas = open_library(host).connect().execute("SELECT nspname FROM pg_namespace WHERE nspname = ?",
                                                   (REBUILD_SCHEMA,)).fetchall()
    assert not schemas and not (host.index_dir / ".rebuild").exists()
    assert Accounts.for_settings(host).user("ada").role == "admin"
    assert [f.url for f in feeds(host)] == ["https://example.org/rss.xml"]
    for _ in range(3):
        gone = query("When did the Glimmerford harbour reopen?", index=reader)
        assert not any("Glimmerford" in c.quote for c in gone.citations), gone.text
        seeds = query(QUESTIONS[1], index=reader)
        assert seeds.citations and not seeds.error, seeds.text
    reader.close()


def test_a_rebuild_interrupted_before_or_after_its_commit_is_cleaned_up_by_the_next_writer(seeds_index,
                                                                                          postgres_server,
                                                                                          chroma_server, tmp_path):
    """A rebuild killed while it builds leaves the old library serving, and the next writer drops the build; one
    killed after the swap committed (the collections not yet renamed) is finished by the next writer."""
    from index import rebuild as swap
    from index import stats
    from index.pipeline import _ingest_into
    from rag.store_postgres import REBUILD_SCHEMA, PostgresLibrary, swap_in_schema, swap_note

    host = seeds_index.replace(index_dir=tmp_path / "a", database_url=postgres_server.new_database("rebuild_crash"),
                               chroma_url=chroma_server.url, collection="crash-test")
    extra = tmp_path / "extra.txt"
    extra.write_text("Glimmerford harbour reopens\n\nThe Glimmerford harbour reopened on Monday after repairs.\n")
    assert len(ingest([ROOT / "seeds", extra], host).added) == 6

    def build_beside():
        """What `rag index --rebuild` does before its swap (under the writer lock, which dies with the process)."""
        target = swap.beside(host)
        swap.start(target)
        assert len(_ingest_into([ROOT / "seeds"], [], target, None).added) == 5
        return target

    def schemas() -> list:
        return open_library(host).connect().execute("SELECT nspname FROM pg_namespace WHERE nspname = ?",
                                                    (REBUILD_SCHEMA,)).fetchall()

    build_beside()  # ... and the process dies before the swap
    assert stats(host).n_articles == 6 and schemas()
    ingest([], host)  # the next writer, on any host
    assert stats(host).n_articles == 6 and not schemas() and not stats(host).vectors

    target = build_beside()
    manifest = PostgresLibrary.stored_manifest(target.database_url) | {"collection": host.collection}
    swap_in_schema(host.database_url, REBUILD_SCHEMA, manifest, {"collection": host.collection,
                                                                 "built": target.collection})
    # ... and the process dies before renaming the collections: the library is the new one, the vectors the old
    assert stats(host).n_articles == 5 and swap_note(host.database_url)
    ingest([], host)
    after = stats(host)
    assert after.n_articles == 5 and after.vectors is not None and not after.vectors, after.vectors
    assert swap_note(host.database_url) is None and not schemas()


def test_migrate_moves_the_accounts_with_the_library(seeds_index, postgres_server, tmp_path, capsys):
    """The index folder's users, keys, conversations and audit log go into the database with the library, so every
    host of the shared library signs the same people in."""
    from rag.accounts import Accounts

    folder = tmp_path / "index"
    shutil.copytree(seeds_index.index_dir, folder, ignore=shutil.ignore_patterns("ingest.lock"))
    local = Accounts(folder)
    local.add_user("ada", "editor", "a long passphrase", actor="root")
    key = local.create_key("ada", actor="root")
    local.save_conversation("ada", None, "Fentanyl", [{"role": "user", "content": "q"}])
    url = postgres_server.new_database("migrated_accounts")
    code, out, err = run(capsys, "migrate", "--to", url, "--index", str(folder))
    assert code == 0, err
    for table, n in (("users", 1), ("api_keys", 1), ("conversations", 1), ("audit", 2)):
        assert re.search(rf"^{table} +{n} → {n}$", out, re.M), out
    shared = Accounts.for_settings(seeds_index.replace(index_dir=tmp_path / "other-host", database_url=url))
    assert shared.user_for_key(key).name == "ada" and shared.check_password("ada", "a long passphrase")
    assert [c.title for c in shared.conversations("ada")] == ["Fentanyl"]
    assert [e.action for e in shared.audit_log()] == ["user add", "key create"]


def test_a_hot_standby_replica_answers_and_refuses_writes_in_one_line(migrated, postgres_server, tmp_path, capsys):
    """A real streaming replica of the test server (`pg_basebackup -R`): `rag ask` answers from it, `rag index`
    stops in one line naming it a hot standby, and what the primary commits reaches it."""
    import tempfile
    import time

    from tests.servers import standby_running

    sqlite, postgres, _ = migrated
    # Not under pytest's own temp folder: that one is private to root, and the server runs as another user.
    with tempfile.TemporaryDirectory(prefix="newsrag-pg-") as work, \
            standby_running(postgres_server, Path(work), free_port()) as standby:
        replica = postgres.replace(database_url=standby.url("migrated"))
        on = ("--index", str(sqlite.index_dir), "--database-url", replica.database_url)
        code, out, err = run(capsys, "index", str(ROOT / "seeds"), *on)
        assert code == 1 and len(err.strip().splitlines()) == 1, (out, err)
        assert "is read-only (a hot-standby replica)" in err and "at the primary" in err, err
        code, out, _ = run(capsys, "ask", QUESTIONS[1], *on)
        assert code == 0 and "fentanyl" in out
        extra = tmp_path / "extra.txt"
        extra.write_text("Glimmerford harbour reopens\n\nThe Glimmerford harbour reopened on Monday after repairs.\n")
        assert len(ingest([extra], postgres).added) == 1  # on the primary
        deadline = time.monotonic() + 60
        while count_articles(open_library(replica).connect()) != 6:  # replayed within moments on loopback
            assert time.monotonic() < deadline, "the replica did not replay the primary's commit"
            time.sleep(0.2)


def test_a_misspelt_name_is_respelt_alike_from_postgresql(migrated):
    sqlite, postgres, _ = migrated
    words = ["Blinkin", "Pritzkr", "Mayorkus", "Trudeau", "Overdoxes"]
    here, there = open_library(sqlite).connect(), open_library(postgres).connect()
    assert [library_spelling(there, w) for w in words] == [library_spelling(here, w) for w in words] \
        == ["Blinken", "Pritzker", "Mayorkas", None, None]
