"""The library's read functions on hand-made rows, and the Chroma metadata the filters read."""

from datetime import date

from rag.filters import chroma_where
from rag.store import (Library, copy_articles, count_articles, keyword_search, load_articles, sentence_spans,
                       syndicated_with)
from rag.types import Article, ChunkKey, Filters, chunk_metadata


def _library(path, rows):
    library = Library(path, create=True)
    db = library.connect()
    for n, (aid, source, day, group, text) in enumerate(rows, 1):
        db.execute("INSERT INTO articles(id, source_key, title, source, date, hash, grp, text, added_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)", (aid, aid, f"Title {aid}", source, day, aid, group, text))
        db.execute("INSERT INTO sentences(article_id, idx, para, start, end) VALUES (?, 0, 0, 0, ?)", (aid, len(text)))
        db.execute("INSERT INTO chunks(rowid, id, article_id, idx, start, end, text, dup_of) VALUES (?, ?, ?, 0, 0, ?, ?, ?)",
                   (n, f"{aid}:0", aid, len(text), text, f"{group}:0" if group and group != aid else None))
        db.execute("INSERT INTO chunks_fts(rowid, text, title, source) VALUES (?, ?, ?, ?)",
                   (n, text, f"Title {aid}", source or ""))
    return db


ROWS = [("a", "Fortune", "2023-10-04", "a", "Regulators fined the bank."),
        ("b", "The Age", None, "a", "Regulators fined the bank again."),
        ("c", None, "2023-11-30", None, "Floods closed the port.")]


def test_articles_read_back_with_their_group(tmp_path):
    db = _library(tmp_path, ROWS)
    articles = load_articles(db, ["b", "c", "missing"])
    assert sorted(articles) == ["b", "c"] and articles["b"].group == "a" and articles["b"].text.endswith("again.")
    assert syndicated_with(db, articles["b"]) == ["a"] and syndicated_with(db, articles["c"]) == []
    assert count_articles(db) == 3 and count_articles(db, Filters(date_from=date(2023, 11, 1))) == 1
    assert count_articles(db, Filters(sources=("Fortune", "The Age")), undated=True) == 1
    assert sentence_spans(db, [("a:0", "a", 0, 26), ("c:0", "c", 5, 26)]) == {"a:0": ((0, 26),), "c:0": ()}


def test_copied_articles_keep_every_row_under_new_ids(tmp_path):
    _library(tmp_path / "src", ROWS)
    db = Library(tmp_path / "dst", create=True).connect()
    db.execute("ATTACH DATABASE ? AS src", (str(tmp_path / "src" / "library.sqlite"),))
    for suffix in ("", "-r1"):
        db.execute("BEGIN")
        copy_articles(db, "src", ["a", "b"], suffix)
        db.execute("COMMIT")
    assert [tuple(r) for r in db.execute("SELECT id, grp FROM articles ORDER BY rowid")] == [
        ("a", "a"), ("b", "a"), ("a-r1", "a-r1"), ("b-r1", "a-r1")]
    assert [tuple(r) for r in db.execute("SELECT id, dup_of FROM chunks WHERE article_id = 'b-r1'")] == [("b:0-r1", "a:0-r1")]
    assert sorted(keyword_search(db, '"fined"', Filters(sources=("The Age",)), 10)) == ["b:0", "b:0-r1"]


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
