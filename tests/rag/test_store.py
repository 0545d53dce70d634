"""The library's read functions on hand-made rows, on both backends; the keyword index of PostgreSQL ranks as
SQLite's FTS5; the Chroma metadata the filters read."""

from datetime import date

import pytest

from rag.filters import chroma_where
from rag.settings import Settings
from rag.store import (IndexMismatchError, IndexNotFoundError, Library, attach_library, copy_articles, count_articles,
                       insert_article, load_articles, open_library, sentence_spans, syndicated_with)
from rag.text import SentenceSpan
from rag.types import Article, Chunk, ChunkKey, Filters, chunk_metadata
from tests.backends import BACKENDS, settings_on


@pytest.fixture(params=BACKENDS)
def settings(request, tmp_path):
    return settings_on(request, tmp_path / "idx")


def _library(settings, rows):
    """A library of one-chunk articles (id, source, date, group, text), stored as the ingest stores them."""
    db = open_library(settings, create=True).connect()
    with db.transaction():
        for aid, source, day, group, text in rows:
            article = Article(aid, f"Title {aid}", text, source=source, date=day, hash=aid, group=group)
            insert_article(db, article, source_key=aid, added_at=0.0, sentences=[SentenceSpan(0, len(text), 0)],
                           sentence_vectors=[None],
                           minhash=b"\0" * 8, pages=[], chunks=[Chunk(f"{aid}:0", aid, 0, text, 0, len(text))],
                           dup_of={f"{aid}:0": f"{group}:0"} if group and group != aid else {})
    return db


ROWS = [("a", "Fortune", "2023-10-04", "a", "Regulators fined the bank."),
        ("b", "The Age", None, "a", "Regulators fined the bank again."),
        ("c", None, "2023-11-30", None, "Floods closed the port.")]


def test_articles_read_back_with_their_group(settings):
    db = _library(settings, ROWS)
    articles = load_articles(db, ["b", "c", "missing"])
    assert sorted(articles) == ["b", "c"] and articles["b"].group == "a" and articles["b"].text.endswith("again.")
    assert syndicated_with(db, articles["b"]) == ["a"] and syndicated_with(db, articles["c"]) == []
    assert count_articles(db) == 3 and count_articles(db, Filters(date_from=date(2023, 11, 1))) == 1
    assert count_articles(db, Filters(sources=("Fortune", "The Age")), undated=True) == 1
    assert sentence_spans(db, [("a:0", "a", 0, 26), ("c:0", "c", 5, 26)]) == {"a:0": ((0, 26),), "c:0": ()}


def test_keyword_search_folds_stems_and_filters(settings):
    db = _library(settings, ROWS + [("d", "AFP", "2023-10-05", None, "Le régulateur a infligé une amende.")])
    assert db.keyword_search(["fines"], None, 10)[0] in ("a:0", "b:0")  # porter: fined, fines -> fine
    assert db.keyword_search(["fined"], Filters(sources=("The Age",)), 10) == ["b:0"]
    assert db.keyword_search(["regulateur"], Filters(date_from=date(2023, 10, 5)), 10) == ["d:0"]  # accents folded
    assert db.keyword_search(["port"], Filters(date_to=date(2023, 10, 31)), 10) == []
    assert db.unindexed(["Régulateur", "tsunami"]) == ["tsunami"]
    assert db.keyword_counts(["fine", "port", "absent"]) == {"fine": 2, "port": 1}


def test_a_removed_article_leaves_the_keyword_index(settings):
    from rag.store import drop_article

    db = _library(settings, ROWS)
    with db.transaction():
        assert drop_article(db, "b") == ["b:0"]
    assert db.keyword_search(["fined"], None, 10) == ["a:0"] and db.keyword_counts(["fine"]) == {"fine": 1}


def test_a_library_opens_only_where_one_is(settings):
    with pytest.raises(IndexNotFoundError, match="rag index"):
        open_library(settings)
    _library(settings, ROWS)
    assert count_articles(open_library(settings).connect()) == 3


def test_a_library_of_another_schema_version_is_refused(settings):
    db = _library(settings, ROWS)
    if settings.database_url:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    else:
        db.execute("PRAGMA user_version = 99")
    reads = 2 if settings.database_url else 1  # PostgreSQL's layout counts its own versions
    with pytest.raises(IndexMismatchError, match=f"schema version 99, this newsrag reads version {reads}"):
        open_library(settings)


def test_copied_articles_keep_every_row_under_new_ids(tmp_path):
    _library(Settings.load(environ={}, overrides={"index_dir": str(tmp_path / "src")}), ROWS)
    db = Library(tmp_path / "dst", create=True).connect()
    attach_library(db, tmp_path / "src" / "library.sqlite", "src")
    for suffix in ("", "-r1"):
        db.execute("BEGIN")
        copy_articles(db, "src", ["a", "b"], suffix)
        db.execute("COMMIT")
    assert [tuple(r) for r in db.execute("SELECT id, grp FROM articles ORDER BY rowid")] == [
        ("a", "a"), ("b", "a"), ("a-r1", "a-r1"), ("b-r1", "a-r1")]
    assert [tuple(r) for r in db.execute("SELECT id, dup_of FROM chunks WHERE article_id = 'b-r1'")] == [("b:0-r1", "a:0-r1")]
    assert sorted(db.keyword_search(["fined"], Filters(sources=("The Age",)), 10)) == ["b:0", "b:0-r1"]


def test_articles_copied_as_syndicated_join_their_originals_group(tmp_path):
    _library(Settings.load(environ={}, overrides={"index_dir": str(tmp_path / "src")}), ROWS)
    db = Library(tmp_path / "dst", create=True).connect()
    attach_library(db, tmp_path / "src" / "library.sqlite", "src")
    for suffix, syndicated in (("", False), ("-r1", True)):
        db.execute("BEGIN")
        copy_articles(db, "src", ["a", "c"], suffix, syndicated=syndicated)
        db.execute("COMMIT")
    groups = dict(db.execute("SELECT id, grp FROM articles"))
    assert groups["a-r1"] == groups["a"] == "a" and groups["c-r1"] == groups["c"] == "c"
    assert dict(db.execute("SELECT id, dup_of FROM chunks WHERE article_id LIKE '%-r1'")) == {
        "a:0-r1": "a:0", "c:0-r1": "c:0"}


def test_filters_read_the_keys_the_ingest_writes():
    meta = chunk_metadata(Article("a", "T", "x", source="AFP", date="2023-10-04"), 3)
    assert meta[ChunkKey.DATE_NUM] == 20231004 and meta[ChunkKey.CHUNK_IDX] == 3
    where = chroma_where(Filters(sources=("AFP",), article_ids=("a",), date_from=date(2023, 10, 4)))
    for clause in where["$and"]:
        ((key, test),) = clause.items()
        assert key in meta
        value = meta[key]
        assert value in test["$in"] if "$in" in test else value >= test["$gte"]
    assert chunk_metadata(Article("b", "T", "x"), 0)[ChunkKey.DATE_NUM] == 0  # undated
