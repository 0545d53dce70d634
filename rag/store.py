"""The index folder: what is on disk, and how to open it.

One folder per index:

    <index_dir>/manifest.json    model, weights hash, dimension, chunker settings, versions
    <index_dir>/library.sqlite   articles (cleaned text + metadata), sentences, chunks,
                                 chunks_fts (the BM25 keyword index, SQLite FTS5), pending,
                                 pages (where each page of a PDF begins), feeds and
                                 feed_entries (RSS/Atom subscriptions and the entries seen)
    <index_dir>/chroma/          the Chroma collection with one vector per chunk
                                 (absent in server mode, where Chroma lives at `chroma_url`)
    <index_dir>/ingest.lock      held by the one ingest allowed at a time
    <index_dir>/.rebuild/ .old/  only while `rag index --rebuild` builds and swaps (see `index.rebuild`)

Every SQL statement against the library is a function here (the ingest's transaction control aside); the
metadata each Chroma vector carries is `rag.types.chunk_metadata`.

SQLite is the commit point. An article exists once its row is in `articles`;
its vectors are written to Chroma *before* that transaction and readers ignore
vectors whose chunk id is not in `chunks`. Chunk ids written to Chroma but not yet
committed are listed in `pending`, so a killed ingest is cleaned up by the next one.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, replace
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Sequence

from rag.filters import sql_where
from rag.settings import Settings, force_offline
from rag.types import Article, Chunk, Filters

force_offline()

SCHEMA_VERSION = 1
# Manifest keys that must match between the index on disk and the settings in use.
BINDING_KEYS = ("schema", "model", "weights_sha256", "backend", "dimension", "chunk_size", "chunk_overlap")

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles(
    id TEXT PRIMARY KEY,
    source_key TEXT UNIQUE NOT NULL,  -- where it came from: file path, or file path + record
    title TEXT NOT NULL,
    source TEXT, author TEXT, date TEXT, path TEXT, url TEXT,
    hash TEXT NOT NULL,               -- sha256 of the cleaned text
    grp TEXT,                         -- syndication group: id of the first article of the story
    text TEXT NOT NULL,
    added_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_grp ON articles(grp);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);  -- publishers a question names, per query
CREATE TABLE IF NOT EXISTS sentences(
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    para INTEGER NOT NULL,            -- paragraph number, for pronoun follow-ups ("he added")
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    PRIMARY KEY(article_id, idx)
);
CREATE TABLE IF NOT EXISTS chunks(
    rowid INTEGER PRIMARY KEY,        -- also the rowid in chunks_fts
    id TEXT UNIQUE NOT NULL,          -- also the Chroma id
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    dup_of TEXT                       -- id of a near-identical chunk in a syndicated copy
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, title, source,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS pending(
    chunk_id TEXT PRIMARY KEY         -- in Chroma, not (or no longer) committed here
);
CREATE TABLE IF NOT EXISTS signatures(
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    minhash BLOB NOT NULL             -- for near-duplicate (syndicated copy) detection
);
CREATE TABLE IF NOT EXISTS pages(
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    page INTEGER NOT NULL,            -- 1-based page of a PDF
    start INTEGER NOT NULL,           -- where that page's part of the cleaned text begins
    PRIMARY KEY(article_id, start)
);
CREATE TABLE IF NOT EXISTS feeds(
    url TEXT PRIMARY KEY,
    title TEXT,
    etag TEXT, last_modified TEXT,    -- validators of the last 200 response, for conditional requests
    added_at REAL NOT NULL,
    checked_at REAL,
    last_result TEXT                  -- the last update's summary line
);
CREATE TABLE IF NOT EXISTS feed_entries(
    feed_url TEXT NOT NULL REFERENCES feeds(url) ON DELETE CASCADE,
    entry_id TEXT NOT NULL,           -- the entry's id (guid), else its link
    link TEXT NOT NULL,
    stamp TEXT,                       -- the entry's updated/published date: a new one means fetch again
    PRIMARY KEY(feed_url, entry_id)
);
CREATE INDEX IF NOT EXISTS feed_entries_link ON feed_entries(link);
CREATE INDEX IF NOT EXISTS articles_path ON articles(path);  -- "is this link indexed?", per feed entry
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
"""


class IndexNotFoundError(RuntimeError):
    """There is no index at the given folder yet."""


class IndexMismatchError(RuntimeError):
    """The index on disk was built with another model or chunker than the settings ask for."""


class IndexCorruptError(IndexMismatchError):
    """The index's manifest cannot be read; like a mismatch, the way out is a rebuild."""


def library_versions() -> dict[str, str]:
    out = {}
    for package in ("chromadb", "llama-index-core", "sentence-transformers", "torch", "transformers"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "absent"
    return out


def expected_manifest(settings: Settings, weights_sha256: str, dimension: int) -> dict:
    return {
        "schema": SCHEMA_VERSION,
        "model": settings.model,
        "weights_sha256": weights_sha256,
        "backend": settings.backend,
        "dimension": dimension,
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
        "collection": settings.collection,
        "chroma_url": settings.chroma_url,
        "versions": library_versions(),
    }


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest, None when there is none; IndexCorruptError (one line, naming the file) when unreadable."""
    path = Path(index_dir) / "manifest.json"
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        problem = None if isinstance(manifest, dict) else "not a JSON object"
    except json.JSONDecodeError as exc:
        problem = f"{exc.msg} at line {exc.lineno}"
    except UnicodeDecodeError:
        problem = "not UTF-8 text"
    if problem:
        raise IndexCorruptError(
            f"{path} is damaged ({problem}); rebuild the index: rag index --rebuild --index {index_dir} PATH..."
        )
    return manifest


def with_index_backend(settings: Settings) -> Settings:
    """`settings` with the embedding backend that built the index, when there is one.

    The backend is how the same model is run (fp32 torch or int8 ONNX); vectors from one
    must be compared with vectors from the same one, so an existing index decides.
    """
    manifest = read_manifest(Path(settings.index_dir))
    backend = (manifest or {}).get("backend")
    return settings.replace(backend=backend) if backend and backend != settings.backend else settings


def write_manifest(index_dir: Path, manifest: dict) -> None:
    path = Path(index_dir) / "manifest.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)  # atomic: a reader sees the old manifest or the new one


def check_manifest(index_dir: Path, found: dict, wanted: dict) -> None:
    """Raise IndexMismatchError naming what differs and how to rebuild."""
    diffs = [f"{k}: index has {found.get(k)!r}, settings want {wanted.get(k)!r}"
             for k in BINDING_KEYS if found.get(k) != wanted.get(k)]
    if diffs:
        raise IndexMismatchError(
            f"the index at {index_dir} was built with other settings ({'; '.join(diffs)}). "
            f"Rebuild it: `rag index --rebuild --index {index_dir} PATH...`, "
            "or point --index at a new folder."
        )


def chroma_client(settings: Settings):
    """The same Chroma API embedded on disk or against a server (`RAG_CHROMA_URL`)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=str(Path(settings.index_dir) / "chroma"), settings=chroma_settings)


def release_chroma(settings: Settings) -> None:
    """Let go of this process's embedded Chroma for the index folder, whose files are about to move.

    chromadb keeps one open system per folder for the life of the process; without this, a later
    client for the same path would be handed the one still reading the moved files. Its only public
    way out, `clear_system_cache()`, forgets every folder's, so this one entry is dropped by hand.
    """
    if settings.chroma_url:
        return
    import os

    from chromadb.api.shared_system_client import SharedSystemClient

    key = os.path.realpath(Path(settings.index_dir) / "chroma")
    system = SharedSystemClient._identifier_to_system.pop(key, None)
    SharedSystemClient._identifier_to_refcount.pop(key, None)
    if system is not None:
        system.stop()


# Chosen on purpose: cosine space for normalised MiniLM vectors; ef values raised from the
# defaults because the defaults gave poor recall (see STACK-NOTES); they cannot change later.
HNSW_CONFIGURATION = {"hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 128, "max_neighbors": 32}}


def chroma_collection(settings: Settings, *, create: bool, lost_ok: bool = False):
    """The index's collection. Embeddings are always passed in, so no embedding function is used.

    Without `create`, a missing collection raises IndexNotFoundError saying where the index's
    vectors were written (an index built embedded and opened with a server URL, or the reverse).
    With `lost_ok`, a collection missing from the very place the index wrote it to (a server restarted
    without its data, say) is None instead: the library is whole and `rag.vector_check` says what is lost.
    """
    from chromadb.errors import NotFoundError

    client = chroma_client(settings)
    if create:
        return client.get_or_create_collection(
            settings.collection, configuration=HNSW_CONFIGURATION, embedding_function=None
        )
    try:
        return client.get_collection(settings.collection, embedding_function=None)
    except NotFoundError:
        manifest = read_manifest(settings.index_dir) or {}
        if lost_ok and manifest.get("chroma_url") == settings.chroma_url \
                and manifest.get("collection", settings.collection) == settings.collection:
            return None
        built = manifest.get("chroma_url") or "the embedded store in the index folder"
        here = settings.chroma_url or "the embedded store in the index folder"
        raise IndexNotFoundError(
            f"no Chroma collection {settings.collection!r} in {here}; the index at {settings.index_dir} "
            f"wrote its vectors to {built}. Use the same --chroma-url (RAG_CHROMA_URL) and RAG_COLLECTION, "
            "or rebuild with `rag index --rebuild`."
        ) from None


def open_sqlite(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), rows by name, WAL, foreign keys on."""
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


class Library:
    """Connections to one index folder's SQLite library; one connection per thread.

    Readers (`rag`) and the writer (`index`) both open it; WAL mode lets a query
    run while an ingest writes.
    """

    def __init__(self, index_dir: Path, *, create: bool = False):
        self.index_dir = Path(index_dir)
        self.path = self.index_dir / "library.sqlite"
        if not create and not self.path.is_file():
            raise IndexNotFoundError(
                f"no index at {self.index_dir}: build one with `rag index PATH...` (e.g. `rag index seeds`)"
            )
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        if create:
            with self.connect() as db:
                db.executescript(SCHEMA)

    def close(self) -> None:
        """Close this thread's connection (before the files move, say)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = open_sqlite(self.path, timeout=60)
            db.execute("PRAGMA synchronous=NORMAL")
            # The keyword index's vocabulary (term -> number of chunks), for the retriever's term choice;
            # in `temp`, so opening an index never writes to it.
            db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab USING fts5vocab(main, chunks_fts, 'row')")
            self._local.db = db
        return db


@dataclass(frozen=True)
class ArticleSummary:
    """One line of the library listing."""

    id: str
    title: str
    source: str | None
    date: str | None
    author: str | None
    path: str | None
    group: str | None
    chunks: int


def list_articles(library: Library) -> list[ArticleSummary]:
    rows = library.connect().execute(
        """SELECT a.id, a.title, a.source, a.date, a.author, a.path, a.grp,
                  (SELECT COUNT(*) FROM chunks c WHERE c.article_id = a.id) AS n
           FROM articles a ORDER BY a.date IS NULL, a.date DESC, a.title"""
    ).fetchall()
    return [ArticleSummary(r["id"], r["title"], r["source"], r["date"], r["author"], r["path"], r["grp"], r["n"])
            for r in rows]


# ----------------------------------------------------------------- the read side (`rag/`)
_ARTICLE = "id, title, text, source, author, date, path, url, hash, grp"


def _article(r: sqlite3.Row) -> Article:
    return Article(r["id"], r["title"], r["text"], r["source"], r["author"], r["date"], r["path"], r["url"], r["hash"],
                   r["grp"])


def load_articles(db: sqlite3.Connection, ids: Sequence[str]) -> dict[str, Article]:
    """The articles of `ids` that are in the library, by id."""
    if not ids:
        return {}
    rows = db.execute(f"SELECT {_ARTICLE} FROM articles WHERE id IN ({','.join('?' * len(ids))})", list(ids))
    return {r["id"]: _article(r) for r in rows}


def latest_articles(db: sqlite3.Connection, limit: int) -> list[Article]:
    """The `limit` latest articles by date, newest first."""
    return [_article(r) for r in db.execute(f"SELECT {_ARTICLE} FROM articles ORDER BY date DESC LIMIT ?", (limit,))]


def syndicated_with(db: sqlite3.Connection, article: Article) -> list[str]:
    """Ids of the other articles of `article`'s syndication group."""
    if not article.group:
        return []
    return [r[0] for r in db.execute("SELECT id FROM articles WHERE grp = ? AND id != ?", (article.group, article.id))]


def count_articles(db: sqlite3.Connection, filters: Filters | None = None, *, undated: bool = False) -> int:
    """How many articles `filters` keep (all without); with `undated`, only those without a date."""
    where, params = sql_where(filters)
    extra = " AND (a.date IS NULL OR a.date = '')" if undated else ""
    return db.execute(f"SELECT COUNT(*) FROM articles a WHERE 1 = 1{where}{extra}", params).fetchone()[0]


def publishers(db: sqlite3.Connection) -> list[str]:
    """Every publisher (`source`) of the library."""
    return [r[0] for r in db.execute("SELECT DISTINCT source FROM articles WHERE source IS NOT NULL")]


def sentence_rows(db: sqlite3.Connection, article_ids: Sequence[str]) -> dict[str, tuple[tuple[int, int, int, int], ...]]:
    """{article id: (idx, para, start, end) of each of its sentences, in order} for `article_ids`, in one query."""
    out: dict[str, list[tuple[int, int, int, int]]] = {aid: [] for aid in article_ids}
    if article_ids:
        for aid, *row in db.execute(f"SELECT article_id, idx, para, start, end FROM sentences WHERE article_id IN "
                                    f"({','.join('?' * len(out))}) ORDER BY article_id, idx", list(out)):
            out[aid].append(tuple(row))
    return {aid: tuple(rows) for aid, rows in out.items()}


def sentence_spans(db: sqlite3.Connection, chunks: Sequence[tuple[str, str, int, int]]
                   ) -> dict[str, tuple[tuple[int, int], ...]]:
    """For each (chunk id, article id, start, end), the sentences inside that span, as offsets into it."""
    # One query, the span test done by SQLite: filtering every sentence of 20 articles in Python cost 1.3 ms.
    values = ",".join(["(?, ?, ?, ?)"] * len(chunks))
    rows = db.execute(
        f"""WITH p(cid, aid, s, e) AS (VALUES {values})
            SELECT p.cid, st.start - p.s, st.end - p.s FROM p JOIN sentences st
            ON st.article_id = p.aid AND st.start >= p.s AND st.end <= p.e ORDER BY p.cid, st.idx""",
        [x for chunk in chunks for x in chunk])
    out: dict[str, list[tuple[int, int]]] = {chunk[0]: [] for chunk in chunks}
    for cid, start, end in rows:
        out[cid].append((start, end))
    return {cid: tuple(spans) for cid, spans in out.items()}


def chunk_text_holding(db: sqlite3.Connection, article_id: str, start: int, end: int) -> str | None:
    """The text of the first chunk of an article that holds the span start..end; None when no chunk does."""
    row = db.execute("SELECT text FROM chunks WHERE article_id = ? AND start <= ? AND end >= ? ORDER BY idx LIMIT 1",
                     (article_id, start, end)).fetchone()
    return row[0] if row else None


def chunk_rows(db: sqlite3.Connection, ids: Sequence[str]) -> dict[str, sqlite3.Row]:
    """Committed chunks of `ids` (id, article_id, start, end, text, dup_of, and the article's source and date), by id."""
    return {r["id"]: r for r in db.execute(
        f"""SELECT c.id, c.article_id, c.start, c.end, c.text, c.dup_of, a.source, a.date FROM chunks c
            JOIN articles a ON a.id = c.article_id WHERE c.id IN ({','.join('?' * len(ids))})""", list(ids))}


def last_chunk_rowid(db: sqlite3.Connection) -> int:
    """The highest chunk rowid (0 when empty): it moves with every ingest."""
    return db.execute("SELECT COALESCE(MAX(rowid), 0) FROM chunks").fetchone()[0]


# FTS5 BM25 weights of the keyword index's columns (text, title, source): the text counts most. Not measured.
BM25_WEIGHTS = "1.0, 0.5, 0.2"


def fts_query(words: Sequence[str]) -> str | None:
    """An FTS5 OR-query of `words`, each quoted so no word is read as syntax."""
    return " OR ".join(f'"{w}"' for w in words) if words else None


def keyword_search(db: sqlite3.Connection, match: str, filters: Filters | None, limit: int) -> list[str]:
    """Chunk ids whose text, title or source match the FTS5 query `match` within `filters`, by BM25, best first."""
    where, params = sql_where(filters)
    if filters and filters.sources:
        # Narrow to the publishers inside FTS5 (its `source` column) so the join below ranks their
        # matches only, not every chunk the words match; the SQL condition keeps the names exact.
        phrases = " OR ".join('"' + s.replace('"', '""') + '"' for s in filters.sources)
        match = f"source : ({phrases}) AND ({match})"
    if not where:
        # Rank inside FTS first, join only the winners: half the time of joining every match.
        rows = db.execute(
            f"""SELECT c.id FROM (SELECT rowid, bm25(chunks_fts, {BM25_WEIGHTS}) AS score FROM chunks_fts
                                  WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?) f
                JOIN chunks c ON c.rowid = f.rowid ORDER BY f.score""", [match, limit])
        return [r[0] for r in rows]
    rows = db.execute(
        f"""SELECT c.id FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid
            JOIN articles a ON a.id = c.article_id
            WHERE chunks_fts MATCH ?{where}
            ORDER BY bm25(chunks_fts, {BM25_WEIGHTS}) LIMIT ?""", [match, *params, limit])
    return [r[0] for r in rows]


def in_keyword_index(db: sqlite3.Connection, word: str) -> bool:
    """Whether any chunk's text, title or source holds `word` (as the keyword index tokenizes it)."""
    return db.execute("SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1", (fts_query([word]),)).fetchone() is not None


def keyword_counts(db: sqlite3.Connection, stems: Sequence[str]) -> dict[str, int]:
    """How many chunks hold each of `stems` (keys of the keyword index's vocabulary); absent stems are left out."""
    return dict(db.execute(
        f"SELECT term, doc FROM temp.chunks_vocab WHERE term IN ({','.join('?' * len(stems))})", list(stems)))


def restrict_to_authors(library: Library, filters: Filters | None, authors: Sequence[str]) -> Filters | None:
    """`filters` narrowed to the articles by one of `authors` (names as the library lists them), by article id:
    the vectors carry no author. Raises ValueError when no article is left.

        >>> restrict_to_authors(library, Filters(sources=("The Gullport Ledger",)), ["Mara Quill"]).article_ids
        ('3f2a…', '91c0…')
    """
    if not authors:
        return filters
    filters = filters or Filters()
    rows = library.connect().execute(
        f"SELECT id FROM articles WHERE author IN ({','.join('?' * len(authors))}) ORDER BY id", list(authors))
    by_them = [r[0] for r in rows]
    wanted = set(by_them)
    ids = [i for i in filters.article_ids if i in wanted] if filters.article_ids else by_them
    if not ids:
        among = " among the chosen articles" if filters.article_ids else ""
        raise ValueError(f"no article by {', '.join(authors)}{among} in the library")
    return replace(filters, article_ids=tuple(ids))


# ----------------------------------------------------------------- copies, for benchmarks
# Columns that name an article or chunk: renamed by `copy_articles`.
_ID_COLUMNS = frozenset({"id", "source_key", "grp", "article_id", "dup_of"})


def copy_articles(db: sqlite3.Connection, source: str, ids: Sequence[str], suffix: str) -> None:
    """Copy the articles `ids` of the attached library `source` with all their rows (sentences, signatures, pages,
    chunks and keyword entries) into `db`'s main library, every article and chunk id followed by `suffix`; inside
    the caller's transaction. For building large test indexes (`bench/scale.py`): the columns come from the schema.

        db.execute("ATTACH DATABASE ? AS src", ("other/library.sqlite",)); copy_articles(db, "src", ids, "-r1")
    """
    db.execute("CREATE TEMP TABLE IF NOT EXISTS copied(article_id TEXT PRIMARY KEY)")
    db.execute("DELETE FROM temp.copied")
    db.executemany("INSERT INTO temp.copied VALUES (?)", [(i,) for i in ids])
    first = last_chunk_rowid(db)
    for table in ("articles", "sentences", "signatures", "pages", "chunks"):
        columns = [r[1] for r in db.execute(f"PRAGMA main.table_info({table})") if r[1] != "rowid"]
        if not db.execute(f"PRAGMA {source}.table_info({table})").fetchone():
            continue  # a library from before the table existed
        values = [f"{c} || :s" if c in _ID_COLUMNS else c for c in columns]
        key = "id" if table == "articles" else "article_id"
        order = " ORDER BY rowid" if table == "chunks" else ""
        db.execute(f"""INSERT INTO {table}({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}.{table}
                       WHERE {key} IN (SELECT article_id FROM temp.copied){order}""", {"s": suffix})
    db.execute("""INSERT INTO chunks_fts(rowid, text, title, source) SELECT c.rowid, c.text, a.title,
                  COALESCE(a.source, '') FROM chunks c JOIN articles a ON a.id = c.article_id
                  WHERE c.rowid > ?""", (first,))


# ----------------------------------------------------------------- the write side (`index.pipeline`)
def has_article(db: sqlite3.Connection, article_id: str) -> bool:
    return db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None


def stored_version(db: sqlite3.Connection, source_key: str) -> sqlite3.Row | None:
    """The `id` and `hash` (of the cleaned text) of the article stored from `source_key`; None when there is none."""
    return db.execute("SELECT id, hash FROM articles WHERE source_key = ?", (source_key,)).fetchone()


def identical_article(db: sqlite3.Connection, digest: str, source_key: str) -> sqlite3.Row | None:
    """The `id` and `path` of an article from another source whose cleaned text has hash `digest`; None when none
    does."""
    return db.execute("SELECT id, path FROM articles WHERE hash = ? AND source_key != ?", (digest, source_key)).fetchone()


def signatures(db: sqlite3.Connection) -> dict[str, bytes]:
    """Each article's MinHash signature (bytes of uint64s), by article id."""
    return {r["article_id"]: r["minhash"] for r in db.execute("SELECT article_id, minhash FROM signatures")}


def article_groups(db: sqlite3.Connection) -> dict[str, str | None]:
    """Each article's syndication group, by article id."""
    return {r["id"]: r["grp"] for r in db.execute("SELECT id, grp FROM articles")}


def set_groups(db: sqlite3.Connection, updates: Sequence[tuple[str, str]]) -> None:
    """Apply (group, article id) updates."""
    db.executemany("UPDATE articles SET grp = ? WHERE id = ?", updates)


def group_chunks(db: sqlite3.Connection, group: str, other_than: str) -> list[tuple[str, str]]:
    """(chunk id, text) of the chunks of the articles of `group` other than article `other_than`."""
    return [(r["id"], r["text"]) for r in db.execute(
        "SELECT c.id, c.text FROM chunks c JOIN articles a ON a.id = c.article_id WHERE a.grp = ? AND a.id != ?",
        (group, other_than))]


def insert_article(db: sqlite3.Connection, article: Article, *, source_key: str, added_at: float,
                   sentences: Sequence, minhash: bytes, pages: list[tuple[int, int]], chunks: Sequence,
                   dup_of: dict[str, str]) -> None:
    """Store one article with its sentences (`.para`, `.start`, `.end`), signature, pages and chunks
    (`rag.types.Chunk`, each `dup_of` a near-identical chunk of a syndicated copy) in the caller's transaction."""
    a = article
    db.execute("INSERT INTO articles(id, source_key, title, source, author, date, path, url, hash, grp, text, added_at)"
               " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
               (a.id, source_key, a.title, a.source, a.author, a.date, a.path, a.url, a.hash, a.group, a.text, added_at))
    db.executemany("INSERT INTO sentences(article_id, idx, para, start, end) VALUES (?,?,?,?,?)",
                   [(a.id, i, s.para, s.start, s.end) for i, s in enumerate(sentences)])
    db.execute("INSERT INTO signatures(article_id, minhash) VALUES (?, ?)", (a.id, minhash))
    insert_pages(db, a.id, pages)
    for c in chunks:
        cur = db.execute("INSERT INTO chunks(id, article_id, idx, start, end, text, dup_of) VALUES (?,?,?,?,?,?,?)",
                         (c.id, a.id, c.index, c.start, c.end, c.text, dup_of.get(c.id)))
        db.execute("INSERT INTO chunks_fts(rowid, text, title, source) VALUES (?,?,?,?)",
                   (cur.lastrowid, c.text, a.title, a.source or ""))


def drop_article(db: sqlite3.Connection, article_id: str) -> list[str]:
    """Delete an article's rows inside the caller's transaction; return its chunk ids, now pending deletion."""
    rows = db.execute("SELECT rowid, id FROM chunks WHERE article_id = ?", (article_id,)).fetchall()
    db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(r["rowid"],) for r in rows])
    mark_pending(db, [r["id"] for r in rows])
    db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
    return [r["id"] for r in rows]


def count_chunks(db: sqlite3.Connection) -> int:
    """How many chunks are committed: as many vectors as the Chroma collection should hold."""
    return db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]


def chunk_ids_and_pending(db: sqlite3.Connection) -> tuple[set[str], set[str]]:
    """(ids of the committed chunks, ids in `pending`), read in one statement: one moment of the library."""
    committed: set[str] = set()
    pending: set[str] = set()
    for chunk_id, is_pending in db.execute("SELECT id, 0 FROM chunks UNION ALL SELECT chunk_id, 1 FROM pending"):
        (pending if is_pending else committed).add(chunk_id)
    return committed, pending


def committed_chunks(db: sqlite3.Connection, ids: Sequence[str]) -> list[tuple[Article, Chunk]]:
    """(article, chunk) of each committed chunk of `ids`, in the order of `ids`: what its vector is made from."""
    if not ids:
        return []
    rows = db.execute(f"SELECT id, article_id, idx, text, start, end FROM chunks WHERE id IN ({','.join('?' * len(ids))})",
                      list(ids)).fetchall()
    articles = load_articles(db, list(dict.fromkeys(r["article_id"] for r in rows)))
    chunks = {r["id"]: Chunk(r["id"], r["article_id"], r["idx"], r["text"], r["start"], r["end"]) for r in rows}
    return [(articles[chunks[i].article_id], chunks[i]) for i in ids if i in chunks]


def pending_chunks(db: sqlite3.Connection) -> list[str]:
    """Chunk ids whose vectors may be in Chroma without being committed here."""
    return [r[0] for r in db.execute("SELECT chunk_id FROM pending")]


def mark_pending(db: sqlite3.Connection, chunk_ids: Sequence[str]) -> None:
    db.executemany("INSERT OR IGNORE INTO pending(chunk_id) VALUES (?)", [(i,) for i in chunk_ids])


def clear_pending(db: sqlite3.Connection, chunk_ids: Sequence[str]) -> None:
    db.executemany("DELETE FROM pending WHERE chunk_id = ?", [(i,) for i in chunk_ids])


# ----------------------------------------------------------------- PDF pages
def insert_pages(db: sqlite3.Connection, article_id: str, pages: list[tuple[int, int]]) -> None:
    """Record where each page of a PDF article begins (inside the caller's transaction)."""
    db.executemany("INSERT INTO pages(article_id, page, start) VALUES (?,?,?)",
                   [(article_id, page, start) for page, start in pages])


def page_at(db: sqlite3.Connection, article_id: str, offset: int) -> int | None:
    """The PDF page holding character `offset` of an article's text; None for articles without pages
    (and for indexes built before pages were recorded)."""
    if not _has_table(db, "pages"):
        return None
    row = db.execute("SELECT page FROM pages WHERE article_id = ? AND start <= ? ORDER BY start DESC LIMIT 1",
                     (article_id, offset)).fetchone()
    return row[0] if row else None


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


# ----------------------------------------------------------------- feeds
@dataclass(frozen=True)
class Feed:
    """A subscribed RSS/Atom feed and what its last update found."""

    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    added_at: float
    checked_at: float | None
    last_result: str | None
    entries: int


@dataclass(frozen=True)
class FeedEntry:
    """An entry of a feed seen by an earlier update."""

    entry_id: str
    link: str
    stamp: str | None


def carry_feeds(old_dir: Path, new_dir: Path) -> int:
    """Copy the feed subscriptions of the library at `old_dir` into the one at `new_dir` (a rebuild replaces the
    library, not what the reader subscribed to). Their validators and entries stay behind: the next update
    fetches every entry again, since its articles may not be in the rebuilt index. Returns how many."""
    old, new = old_dir / "library.sqlite", new_dir / "library.sqlite"
    if not (old.is_file() and new.is_file()):
        return 0
    db = open_sqlite(new, timeout=60)
    try:
        db.execute("ATTACH DATABASE ? AS old", (str(old),))
        if not db.execute("SELECT 1 FROM old.sqlite_master WHERE type = 'table' AND name = 'feeds'").fetchone():
            return 0
        cur = db.execute("INSERT OR IGNORE INTO main.feeds(url, title, added_at) SELECT url, title, added_at FROM old.feeds")
        return cur.rowcount
    finally:
        db.close()


def add_feed(library: Library, url: str, now: float) -> bool:
    """Subscribe to `url`; False when it is already there."""
    cur = library.connect().execute("INSERT OR IGNORE INTO feeds(url, added_at) VALUES (?, ?)", (url, now))
    return cur.rowcount == 1


def remove_feed(library: Library, url: str) -> bool:
    """Unsubscribe (the feed's articles stay in the library); False when it was not there."""
    return library.connect().execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount == 1


def list_feeds(library: Library) -> list[Feed]:
    rows = library.connect().execute(
        """SELECT f.*, (SELECT COUNT(*) FROM feed_entries e WHERE e.feed_url = f.url) AS n
           FROM feeds f ORDER BY f.added_at, f.url""").fetchall()
    return [Feed(r["url"], r["title"], r["etag"], r["last_modified"], r["added_at"], r["checked_at"],
                 r["last_result"], r["n"]) for r in rows]


@dataclass(frozen=True)
class FeedValidators:
    """From a feed's last 200 response: its title, and the ETag / Last-Modified for a conditional request."""

    title: str | None
    etag: str | None
    last_modified: str | None


def save_feed_check(library: Library, url: str, *, checked_at: float, result: str,
                    validators: FeedValidators | None) -> None:
    """Record an update of `url`: when, its summary line, and the validators of a 200 response."""
    db = library.connect()
    db.execute("UPDATE feeds SET checked_at = ?, last_result = ? WHERE url = ?", (checked_at, result, url))
    if validators:
        db.execute("UPDATE feeds SET title = COALESCE(?, title), etag = ?, last_modified = ? WHERE url = ?",
                   (validators.title, validators.etag, validators.last_modified, url))


def feed_entries(library: Library, url: str) -> dict[str, FeedEntry]:
    """The entries of `url` seen before, by entry id."""
    rows = library.connect().execute("SELECT entry_id, link, stamp FROM feed_entries WHERE feed_url = ?", (url,))
    return {r["entry_id"]: FeedEntry(r["entry_id"], r["link"], r["stamp"]) for r in rows}


def record_feed_entries(library: Library, url: str, entries: list[FeedEntry]) -> None:
    library.connect().executemany(
        "INSERT OR REPLACE INTO feed_entries(feed_url, entry_id, link, stamp) VALUES (?,?,?,?)",
        [(url, e.entry_id, e.link, e.stamp) for e in entries])


def indexed_links(library: Library, links: list[str]) -> set[str]:
    """Those of `links` already in the library: an article fetched from there, or any feed's entry."""
    db = library.connect()
    found = set()
    for link in links:
        if db.execute("SELECT 1 FROM articles WHERE path = ? OR url = ? LIMIT 1", (link, link)).fetchone() \
                or db.execute("SELECT 1 FROM feed_entries WHERE link = ? LIMIT 1", (link,)).fetchone():
            found.add(link)
    return found


@dataclass(frozen=True)
class Dating:
    """How the library's articles are dated: the newest publication day (None when none is) and how many have
    no date."""

    newest: date | None
    undated: int


def dating(library: Library) -> Dating:
    newest, undated = library.connect().execute(
        "SELECT MAX(NULLIF(date, '')), SUM(date IS NULL OR date = '') FROM articles").fetchone()
    try:
        day = date.fromisoformat(newest[:10]) if newest else None
    except ValueError:
        day = None
    return Dating(day, undated or 0)


def chunk_dates(library: Library, chunk_ids: Sequence[str]) -> dict[str, str | None]:
    """{chunk id: its article's publication date (ISO text, None when undated)}."""
    if not chunk_ids:
        return {}
    rows = library.connect().execute(
        f"SELECT c.id, NULLIF(a.date, '') FROM chunks c JOIN articles a ON a.id = c.article_id "
        f"WHERE c.id IN ({','.join('?' * len(chunk_ids))})", list(chunk_ids)).fetchall()
    return dict(rows)
