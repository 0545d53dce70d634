"""The library: what an index holds besides its vectors, and how to open it.

Two backends with one interface, chosen by the settings (`open_library`):

- embedded (default): SQLite, `Library`, in the index folder;
- shared: PostgreSQL, `rag.store_postgres.PostgresLibrary`, when `database_url` (`RAG_DATABASE_URL`) is set.
  Any number of processes on any hosts read and write one library; with `chroma_url` too, no state is on the host.

    library = open_library(settings)                 # IndexNotFoundError when there is none yet
    db = library.connect()                           # this thread's connection
    load_articles(db, ["3f2a…"])                     # every read and write below takes that connection

The index folder of the embedded backend:

    <index_dir>/manifest.json    model, weights hash, dimension, chunker settings, versions
    <index_dir>/library.sqlite   articles (cleaned text + metadata), sentences (offsets and
                                 vectors: `rag.sentence_vectors`), chunks,
                                 chunks_fts (the BM25 keyword index, SQLite FTS5), pending,
                                 pages (where each page of a PDF begins), feeds and
                                 feed_entries (RSS/Atom subscriptions and the entries seen)
    <index_dir>/chroma/          the Chroma collection with one vector per chunk
                                 (absent in server mode, where Chroma lives at `chroma_url`)
    <index_dir>/ingest.lock      held by the one ingest allowed at a time
    <index_dir>/.rebuild/ .old/  only while `rag index --rebuild` builds and swaps (see `index.rebuild`)

PostgreSQL holds the same tables, the manifest and schema version in `meta`, and its own keyword index
(`rag.store_postgres`); its writers take an advisory lock instead of the file lock.

Every SQL statement against the library is here or in its backend module. The statements below are written
once for both backends: `?` placeholders (the PostgreSQL connection translates them), `"end"` quoted (a
reserved word in PostgreSQL), standard upserts. What differs (transactions, the keyword index, the schema) is
a method of the backend's connection: `db.transaction()`, `db.savepoint()`, `db.keyword_search(...)`.

The library is the commit point. An article exists once its row is in `articles`;
its vectors are written to Chroma *before* that transaction and readers ignore
vectors whose chunk id is not in `chunks`. Chunk ids written to Chroma but not yet
committed are listed in `pending`, so a killed ingest is cleaned up by the next one.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from rag.filters import sql_where
from rag.settings import Settings, force_offline
from rag.types import Article, Chunk, Filters

force_offline()

SCHEMA_VERSION = 1
# Manifest keys that must match between the index on disk and the settings in use.
BINDING_KEYS = ("schema", "model", "weights_sha256", "backend", "dimension", "chunk_size", "chunk_overlap")

# Columns added to a table after libraries were built without them: nullable, so that code of either age reads
# and writes the library; a writer adds them where missing (`Library(create=True)`, PostgreSQL's schema script).
ADDED_COLUMNS = (("sentences", "vector", "BLOB"),)

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
CREATE INDEX IF NOT EXISTS articles_date ON articles(date);  -- the newest day and the undated count, per query
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
    """There is no index at the given folder (or database) yet."""


class IndexMismatchError(RuntimeError):
    """The index was built with another model, chunker or schema than the settings and this code ask for."""


class IndexCorruptError(IndexMismatchError):
    """The index's manifest cannot be read; like a mismatch, the way out is a rebuild."""


class DatabaseUnreachableError(RuntimeError):
    """The library's database server cannot be reached or refuses the connection."""


class DatabaseReadOnlyError(RuntimeError):
    """A write was asked of a read-only database (a hot-standby replica, or `default_transaction_read_only`);
    nothing was written."""


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


def stored_manifest(settings: Settings) -> dict | None:
    """The manifest of the library `settings` name (the index folder's file, or the database's `meta`); None when
    there is no library yet."""
    if settings.database_url:
        from rag.store_postgres import PostgresLibrary

        return PostgresLibrary.stored_manifest(settings.database_url)
    return read_manifest(Path(settings.index_dir))


def with_index_backend(settings: Settings) -> Settings:
    """`settings` with the embedding backend that built the index, when there is one.

    The backend is how the same model is run (fp32 torch or int8 ONNX); vectors from one
    must be compared with vectors from the same one, so an existing index decides.
    """
    backend = (stored_manifest(settings) or {}).get("backend")
    return settings.replace(backend=backend) if backend and backend != settings.backend else settings


def write_manifest(index_dir: Path, manifest: dict) -> None:
    path = Path(index_dir) / "manifest.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)  # atomic: a reader sees the old manifest or the new one


def check_manifest(library, found: dict, wanted: dict) -> None:
    """Raise IndexMismatchError naming what differs and what to do (`library.remedy`)."""
    diffs = [f"{k}: index has {found.get(k)!r}, settings want {wanted.get(k)!r}"
             for k in BINDING_KEYS if found.get(k) != wanted.get(k)]
    if diffs:
        raise IndexMismatchError(
            f"the index at {library.place} was built with other settings ({'; '.join(diffs)}). {library.remedy}")


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


def collection_place(settings: Settings) -> str:
    """Where the index's vectors are, in words."""
    where = f"on {settings.chroma_url}" if settings.chroma_url else f"in {settings.index_dir}/chroma"
    return f"the Chroma collection {settings.collection!r} {where}"


# The manifest facts a collection records as its metadata, so that its vectors can be checked against the library.
COLLECTION_KEYS = ("model", "weights_sha256", "backend", "dimension")


def collection_identity(manifest: dict) -> dict:
    """The metadata a new collection records: which model made its vectors."""
    return {f"newsrag_{k}": manifest[k] for k in COLLECTION_KEYS}


def check_collection(collection, manifest: dict, settings: Settings) -> None:
    """IndexMismatchError (one line) when `collection` records vectors of another model than the library's
    `manifest`: the Chroma server and the library disagree. Collections from before the record are not checked."""
    recorded = (collection.metadata or {}) if collection is not None else {}
    diffs = [f"{k}: vectors {recorded[f'newsrag_{k}']!r}, library {manifest.get(k)!r}" for k in COLLECTION_KEYS
             if f"newsrag_{k}" in recorded and recorded[f"newsrag_{k}"] != manifest.get(k)]
    if diffs:
        raise IndexMismatchError(
            f"{collection_place(settings)} holds vectors of another index than the library ({'; '.join(diffs)}): "
            "point --chroma-url and RAG_COLLECTION at the library's own collection")


def chroma_collection(settings: Settings, *, create: bool, lost_ok: bool = False, identity: dict | None = None):
    """The index's collection. Embeddings are always passed in, so no embedding function is used.
    A collection created here records `identity` (`collection_identity`) as its metadata.

    Without `create`, a missing collection raises IndexNotFoundError saying where the index's
    vectors were written (an index built embedded and opened with a server URL, or the reverse).
    With `lost_ok`, a collection missing from the very place the index wrote it to (a server restarted
    without its data, say) is None instead: the library is whole and `rag.vector_check` says what is lost.
    """
    from chromadb.errors import NotFoundError

    client = chroma_client(settings)
    if create:
        return client.get_or_create_collection(
            settings.collection, configuration=HNSW_CONFIGURATION, metadata=identity or None, embedding_function=None
        )
    try:
        return client.get_collection(settings.collection, embedding_function=None)
    except NotFoundError:
        manifest = stored_manifest(settings) or {}
        if lost_ok and manifest.get("chroma_url") == settings.chroma_url \
                and manifest.get("collection", settings.collection) == settings.collection:
            return None
        built = manifest.get("chroma_url") or "the embedded store in the index folder"
        here = settings.chroma_url or "the embedded store in the index folder"
        raise IndexNotFoundError(
            f"no Chroma collection {settings.collection!r} in {here}; the index at {settings.index_dir} "
            f"wrote its vectors to {built}. Use the same --chroma-url (RAG_CHROMA_URL) and RAG_COLLECTION, "
            + ("or build a new library into an empty database (--database-url)." if settings.database_url
               else "or rebuild with `rag index --rebuild`.")
        ) from None


def open_sqlite(path: Path, timeout: float, factory: type[sqlite3.Connection] = sqlite3.Connection
                ) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), rows by name, WAL, foreign keys on."""
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None, factory=factory)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def open_library(settings: Settings, *, create: bool = False):
    """The library `settings` name: PostgreSQL at `database_url` when set, else SQLite in `index_dir`.

    Without `create`, IndexNotFoundError when there is none; IndexMismatchError when it has another schema
    version; DatabaseUnreachableError (one line) when the database server cannot be reached.

        library = open_library(Settings.load())
        load_articles(library.connect(), ids)
    """
    if settings.database_url:
        from rag.store_postgres import PostgresLibrary

        return PostgresLibrary(settings.database_url, create=create)
    return Library(settings.index_dir, create=create)


@contextmanager
def writer_lock(settings: Settings, *, wait: bool, on_wait: Callable[[], None] | None = None,
                busy: type[Exception] = RuntimeError) -> Iterator[None]:
    """Be the one writer of the library `settings` name until the block ends: a file lock in the index folder
    (SQLite), an advisory lock in the database (PostgreSQL: writers on any host). Without `wait`, `busy` is
    raised when another writer holds it; otherwise `on_wait()` is called once and the lock awaited.

        with writer_lock(settings, wait=False, busy=IngestBusyError):
            ...   # ingest
    """
    if settings.database_url:
        from rag.store_postgres import advisory_writer_lock

        with advisory_writer_lock(settings.database_url, wait=wait, on_wait=on_wait, busy=busy):
            yield
        return
    index_dir = Path(settings.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "ingest.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise busy(f"another ingest is running on {index_dir}; try again when it ends") from None
            if on_wait:
                on_wait()
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# FTS5 BM25 weights of the keyword index's columns (text, title, source): the text counts most. Not measured.
# PostgreSQL's keyword index weighs the same columns the same (`rag.store_postgres`).
BM25_WEIGHTS = (1.0, 0.5, 0.2)


def fts5_char_folds(chars: Sequence[str]) -> dict[str, str | None]:
    """What the keyword index's tokenizer makes of each of `chars`: the folded text it keeps ("É" -> "e", a
    combining accent -> "") or None for a separator ("™", "—"); asked of SQLite's FTS5 itself, in memory, so that
    `rag.text.keyword_tokens` tokenizes exactly as FTS5 does."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        # Each character between two letters: one token "q…q" when it is part of a word, two "q" when it separates.
        db.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", [(i, f"q{c}q") for i, c in enumerate(chars, 1)])
        tokens: dict[int, list[str]] = {}
        for doc, term in db.execute("SELECT doc, term FROM v ORDER BY doc, offset"):
            tokens.setdefault(doc, []).append(term)
        return {c: tokens[i][0][1:-1] if len(tokens.get(i, [])) == 1 else None for i, c in enumerate(chars, 1)}
    finally:
        db.close()


def fts_query(words: Sequence[str]) -> str | None:
    """An FTS5 OR-query of `words`, each quoted so no word is read as syntax."""
    return " OR ".join(f'"{w}"' for w in words) if words else None


class SQLiteConnection(sqlite3.Connection):
    """A connection to an embedded library, with what SQLite does its own way: transactions, the FTS5
    keyword index. `rag.store_postgres.PostgresConnection` has the same methods."""

    def transaction(self):
        """One write transaction (taking SQLite's write lock at once); rolled back if the block raises."""
        return self._block("BEGIN IMMEDIATE", ("ROLLBACK",), "COMMIT")

    def savepoint(self):
        """A part of the transaction undone alone if the block raises (the exception goes on)."""
        return self._block("SAVEPOINT part", ("ROLLBACK TO part", "RELEASE part"), "RELEASE part")

    @contextmanager
    def _block(self, begin: str, undo: Sequence[str], end: str) -> Iterator[None]:
        self.execute(begin)
        try:
            yield
        except BaseException:
            for statement in undo:
                self.execute(statement)
            raise
        self.execute(end)

    def has_table(self, name: str) -> bool:
        return self.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None

    def has_column(self, table: str, column: str) -> bool:
        return any(r[1] == column for r in self.execute(f"PRAGMA main.table_info({table})"))

    def index_keywords(self, rows: Sequence[tuple[int, str, str, str]]) -> None:
        """Add (chunk rowid, text, title, source) to the keyword index, in the caller's transaction."""
        self.executemany("INSERT INTO chunks_fts(rowid, text, title, source) VALUES (?,?,?,?)", rows)

    def unindex_keywords(self, rowids: Sequence[int]) -> None:
        """Take the chunks of `rowids` out of the keyword index, in the caller's transaction."""
        self.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(r,) for r in rowids])

    def keyword_search(self, words: Sequence[str], filters: Filters | None, limit: int) -> list[str]:
        """Chunk ids whose text, title or source hold any of `words` within `filters`, by BM25, best first."""
        match = fts_query(words)
        if not match:
            return []
        where, params = sql_where(filters)
        weights = ", ".join(map(str, BM25_WEIGHTS))
        if filters and filters.sources:
            # Narrow to the publishers inside FTS5 (its `source` column) so the join below ranks their
            # matches only, not every chunk the words match; the SQL condition keeps the names exact.
            phrases = " OR ".join('"' + s.replace('"', '""') + '"' for s in filters.sources)
            match = f"source : ({phrases}) AND ({match})"
        if not where:
            # Rank inside FTS first, join only the winners: half the time of joining every match.
            rows = self.execute(
                f"""SELECT c.id FROM (SELECT rowid, bm25(chunks_fts, {weights}) AS score FROM chunks_fts
                                      WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?) f
                    JOIN chunks c ON c.rowid = f.rowid ORDER BY f.score""", [match, limit])
            return [r[0] for r in rows]
        rows = self.execute(
            f"""SELECT c.id FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid
                JOIN articles a ON a.id = c.article_id
                WHERE chunks_fts MATCH ?{where}
                ORDER BY bm25(chunks_fts, {weights}) LIMIT ?""", [match, *params, limit])
        return [r[0] for r in rows]

    def unindexed(self, words: Sequence[str]) -> list[str]:
        """The `words` that no chunk's text, title or source holds (as the keyword index tokenizes them)."""
        return [w for w in words if self.execute("SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1",
                                                 (fts_query([w]),)).fetchone() is None]

    def keyword_counts(self, stems: Sequence[str]) -> dict[str, int]:
        """How many chunks hold each of `stems` (keys of the keyword index's vocabulary); absent stems are left
        out."""
        return dict(self.execute(
            f"SELECT term, doc FROM temp.chunks_vocab WHERE term IN ({','.join('?' * len(stems))})", list(stems)))

    def terms_starting(self, prefix: str) -> dict[str, int]:
        """The keyword index's terms that start with `prefix` (folded), with the number of chunks holding each."""
        return dict(self.execute("SELECT term, doc FROM temp.chunks_vocab WHERE term >= ? AND term < ?",
                                 (prefix, prefix + "\U0010ffff")))


class PerThreadConnection:
    """A library's connections: one per thread, opened by the backend's `_open()` on first use."""

    def connect(self):
        local = self.__dict__.setdefault("_local", threading.local())
        db = getattr(local, "db", None)
        if db is None:
            db = local.db = self._open()
        return db

    def close(self) -> None:
        """Close this thread's connection (before the files move, say)."""
        db = getattr(self.__dict__.get("_local"), "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class Library(PerThreadConnection):
    """The embedded library: one index folder's SQLite file, one connection per thread.

    Readers (`rag`) and the writer (`index`) both open it; WAL mode lets a query
    run while an ingest writes. The schema version is SQLite's `user_version` (0: a library from before it
    was recorded, which is version 1).

        library = Library(index_dir)          # or open_library(settings)
        count_articles(library.connect())
    """

    def __init__(self, index_dir: Path, *, create: bool = False):
        self.index_dir = Path(index_dir)
        self.path = self.index_dir / "library.sqlite"
        if not create and not self.path.is_file():
            raise IndexNotFoundError(
                f"no index at {self.index_dir}: build one with `rag index PATH...` (e.g. `rag index seeds`)"
            )
        self.index_dir.mkdir(parents=True, exist_ok=True)
        db = self.connect()
        found = db.execute("PRAGMA user_version").fetchone()[0]
        if found not in (0, SCHEMA_VERSION):
            raise IndexMismatchError(schema_mismatch(str(self.index_dir), found))
        if create:
            db.executescript(SCHEMA)
            for table, column, kind in ADDED_COLUMNS:
                if not db.has_column(table, column):
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            if found == 0:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def place(self) -> str:
        """Where the library is, in words."""
        return str(self.index_dir)

    @property
    def remedy(self) -> str:
        """What to do when the library was built with other settings."""
        return f"Rebuild it: `rag index --rebuild --index {self.index_dir} PATH...`, or point --index at a new folder."

    def manifest(self) -> dict | None:
        return read_manifest(self.index_dir)

    def save_manifest(self, manifest: dict) -> None:
        write_manifest(self.index_dir, manifest)

    def _open(self) -> SQLiteConnection:
        db = open_sqlite(self.path, timeout=60, factory=SQLiteConnection)
        db.execute("PRAGMA synchronous=NORMAL")
        # The keyword index's vocabulary (term -> number of chunks), for the retriever's term choice;
        # in `temp`, so opening an index never writes to it.
        db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab USING fts5vocab(main, chunks_fts, 'row')")
        return db


def schema_mismatch(place: str, found: int, reads: int = SCHEMA_VERSION) -> str:
    """The one line for a library of schema version `found` where this newsrag reads version `reads`."""
    return (f"the library at {place} has schema version {found}, this newsrag reads version {reads}: "
            "use the newsrag that built it, or build a new library (another --index or --database-url)")


# What every function below takes as `db`: `library.connect()`, a SQLiteConnection or a
# rag.store_postgres.PostgresConnection (the same methods; rows read by name or position).
Connection = Any


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


def _article(r) -> Article:
    return Article(r["id"], r["title"], r["text"], r["source"], r["author"], r["date"], r["path"], r["url"], r["hash"],
                   r["grp"])


def load_articles(db: Connection, ids: Sequence[str]) -> dict[str, Article]:
    """The articles of `ids` that are in the library, by id."""
    if not ids:
        return {}
    rows = db.execute(f"SELECT {_ARTICLE} FROM articles WHERE id IN ({','.join('?' * len(ids))})", list(ids))
    return {r["id"]: _article(r) for r in rows}


def latest_articles(db: Connection, limit: int) -> list[Article]:
    """The `limit` latest articles by date, newest first."""
    return [_article(r) for r in db.execute(f"SELECT {_ARTICLE} FROM articles ORDER BY date IS NULL, date DESC LIMIT ?",
                                            (limit,))]


def syndicated_with(db: Connection, article: Article) -> list[str]:
    """Ids of the other articles of `article`'s syndication group."""
    if not article.group:
        return []
    return [r[0] for r in db.execute("SELECT id FROM articles WHERE grp = ? AND id != ?", (article.group, article.id))]


def count_articles(db: Connection, filters: Filters | None = None, *, undated: bool = False) -> int:
    """How many articles `filters` keep (all without); with `undated`, only those without a date."""
    where, params = sql_where(filters)
    extra = " AND (a.date IS NULL OR a.date = '')" if undated else ""
    return db.execute(f"SELECT COUNT(*) FROM articles a WHERE 1 = 1{where}{extra}", params).fetchone()[0]


def publishers(db: Connection) -> list[str]:
    """Every publisher (`source`) of the library."""
    return [r[0] for r in db.execute("SELECT DISTINCT source FROM articles WHERE source IS NOT NULL")]


def sentence_rows(db: Connection, article_ids: Sequence[str]) -> dict[str, tuple[tuple[int, int, int, int], ...]]:
    """{article id: (idx, para, start, end) of each of its sentences, in order} for `article_ids`, in one query."""
    out: dict[str, list[tuple[int, int, int, int]]] = {aid: [] for aid in article_ids}
    if article_ids:
        for aid, *row in db.execute(f"SELECT article_id, idx, para, start, \"end\" FROM sentences WHERE article_id IN "
                                    f"({','.join('?' * len(out))}) ORDER BY article_id, idx", list(out)):
            out[aid].append(tuple(row))
    return {aid: tuple(rows) for aid, rows in out.items()}


def sentence_vectors(db: Connection, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], bytes]:
    """The stored vectors (`rag.sentence_vectors`) of the sentences `keys` ((article id, idx)) that have one."""
    if not keys:
        return {}
    values = ",".join(["(?, ?)"] * len(keys))
    rows = db.execute(f"""WITH k(aid, i) AS (VALUES {values}) SELECT s.article_id, s.idx, s.vector FROM k
                          JOIN sentences s ON s.article_id = k.aid AND s.idx = k.i WHERE s.vector IS NOT NULL""",
                      [x for key in keys for x in key])
    return {(aid, idx): bytes(vector) for aid, idx, vector in rows}


def sentences_without_vectors(db: Connection, limit: int) -> list[tuple[str, int, str]]:
    """(article id, idx, text) of up to `limit` sentences stored without a vector (a library from before they
    were stored), for `rag index --repair`."""
    return [tuple(r) for r in db.execute(
        """SELECT s.article_id, s.idx, substr(a.text, s.start + 1, s."end" - s.start) FROM sentences s
           JOIN articles a ON a.id = s.article_id WHERE s.vector IS NULL ORDER BY s.article_id, s.idx LIMIT ?""",
        (limit,))]


def count_sentences_without_vectors(db: Connection) -> int:
    return db.execute("SELECT COUNT(*) FROM sentences WHERE vector IS NULL").fetchone()[0]


def set_sentence_vectors(db: Connection, rows: Sequence[tuple[bytes, str, int]]) -> None:
    """Store (vector, article id, idx) in the caller's transaction."""
    db.executemany("UPDATE sentences SET vector = ? WHERE article_id = ? AND idx = ?", rows)


def sentence_spans(db: Connection, chunks: Sequence[tuple[str, str, int, int]]
                   ) -> dict[str, tuple[tuple[int, int], ...]]:
    """For each (chunk id, article id, start, end), the sentences inside that span, as offsets into it."""
    # One query, the span test done by SQLite: filtering every sentence of 20 articles in Python cost 1.3 ms.
    values = ",".join(["(?, ?, ?, ?)"] * len(chunks))
    rows = db.execute(
        f"""WITH p(cid, aid, s, e) AS (VALUES {values})
            SELECT p.cid, st.start - p.s, st."end" - p.s FROM p JOIN sentences st
            ON st.article_id = p.aid AND st.start >= p.s AND st."end" <= p.e ORDER BY p.cid, st.idx""",
        [x for chunk in chunks for x in chunk])
    out: dict[str, list[tuple[int, int]]] = {chunk[0]: [] for chunk in chunks}
    for cid, start, end in rows:
        out[cid].append((start, end))
    return {cid: tuple(spans) for cid, spans in out.items()}


def chunk_text_holding(db: Connection, article_id: str, start: int, end: int) -> str | None:
    """The text of the first chunk of an article that holds the span start..end; None when no chunk does."""
    row = db.execute("SELECT text FROM chunks WHERE article_id = ? AND start <= ? AND \"end\" >= ? ORDER BY idx LIMIT 1",
                     (article_id, start, end)).fetchone()
    return row[0] if row else None


def chunk_rows(db: Connection, ids: Sequence[str]) -> dict[str, Any]:
    """Committed chunks of `ids` (id, article_id, start, end, text, dup_of, and the article's source and date), by id."""
    if not ids:
        return {}
    return {r["id"]: r for r in db.execute(
        f"""SELECT c.id, c.article_id, c.start, c."end", c.text, c.dup_of, a.source, a.date FROM chunks c
            JOIN articles a ON a.id = c.article_id WHERE c.id IN ({','.join('?' * len(ids))})""", list(ids))}


def last_chunk_rowid(db: Connection) -> int:
    """The highest chunk rowid (0 when empty): it moves with every ingest."""
    return db.execute("SELECT COALESCE(MAX(rowid), 0) FROM chunks").fetchone()[0]


def restrict_to_authors(library: Library, filters: Filters | None, authors: Sequence[str]) -> Filters | None:
    """`filters` narrowed to the articles by one of `authors` (names as the library lists them), by article id:
    the vectors carry no author. Raises ValueError when no article is left.

        library = open_library(Settings.load(overrides={"index_dir": "/tmp/seeds-idx"}))
        restrict_to_authors(library, Filters(sources=("The Gullport Ledger",)), ["Mara Quill"]).article_ids
        # -> ('3f2a…', '91c0…')
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


# ----------------------------------------------------------------- whole tables, for `rag migrate`
# Every table of the library with its columns, parents before children (the keyword index is rebuilt, not copied).
LIBRARY_TABLES = {
    "articles": ("id", "source_key", "title", "source", "author", "date", "path", "url", "hash", "grp", "text",
                 "added_at"),
    "sentences": ("article_id", "idx", "para", "start", '"end"', "vector"),
    "signatures": ("article_id", "minhash"),
    "pages": ("article_id", "page", "start"),
    "chunks": ("rowid", "id", "article_id", "idx", "start", '"end"', "text", "dup_of"),
    "pending": ("chunk_id",),
    "feeds": ("url", "title", "etag", "last_modified", "added_at", "checked_at", "last_result"),
    "feed_entries": ("feed_url", "entry_id", "link", "stamp"),
}


def table_rows(db: Connection, table: str, batch: int) -> Iterator[list[tuple]]:
    """The rows of `table` (columns as `LIBRARY_TABLES` lists them), `batch` at a time; none for a table the
    library does not have (one from before it existed)."""
    if not db.has_table(table):
        return
    columns = [c if db.has_column(table, c.strip('"')) else f"NULL AS {c}" for c in LIBRARY_TABLES[table]]
    cursor = db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {columns[0]}")
    while rows := cursor.fetchmany(batch):
        yield [tuple(r) for r in rows]


def insert_rows(db: Connection, table: str, rows: Sequence[tuple]) -> None:
    """Insert rows of `table` (columns as `LIBRARY_TABLES` lists them) in the caller's transaction."""
    columns = LIBRARY_TABLES[table]
    db.executemany(f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)


def count_rows(db: Connection, table: str) -> int:
    """How many rows `table` holds (0 for a table the library does not have)."""
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] if db.has_table(table) else 0


def keyword_sources(db: Connection, rowids: Sequence[int]) -> list[tuple[int, str, str, str]]:
    """(chunk rowid, text, article title, article source) of the chunks of `rowids`: what the keyword index holds."""
    if not rowids:
        return []
    return [tuple(r) for r in db.execute(
        f"""SELECT c.rowid, c.text, a.title, COALESCE(a.source, '') FROM chunks c JOIN articles a ON a.id = c.article_id
            WHERE c.rowid IN ({','.join('?' * len(rowids))}) ORDER BY c.rowid""", list(rowids))]


def chunk_texts(db: Connection) -> dict[str, str]:
    """Every committed chunk's text by chunk id, in the order they were stored (for benchmarks and tuning)."""
    return {r[0]: r[1] for r in db.execute("SELECT id, text FROM chunks ORDER BY rowid")}


def sentence_texts(db: Connection) -> list[str]:
    """Every sentence's text (what ingest embeds besides the chunks), for benchmarks."""
    return [r[0] for r in db.execute("""SELECT substr(a.text, s.start + 1, s."end" - s.start) FROM sentences s
                                         JOIN articles a ON a.id = s.article_id ORDER BY s.article_id, s.idx""")]


# ----------------------------------------------------------------- copies, for benchmarks
def shortest_articles(db: Connection, limit: int) -> list[str]:
    """The source keys of the `limit` shortest articles (by cleaned text), shortest first."""
    return [r[0] for r in db.execute("SELECT source_key FROM articles ORDER BY length(text), id LIMIT ?", (limit,))]


def article_chunk_counts(db: Connection) -> list[tuple[str, str, int]]:
    """(article id, source key, chunks) of every article, in the order they were stored (SQLite's rowid: an
    embedded library, as `copy_articles` reads)."""
    return [tuple(r) for r in db.execute(
        "SELECT a.id, a.source_key, (SELECT COUNT(*) FROM chunks c WHERE c.article_id = a.id) FROM articles a "
        "ORDER BY a.rowid")]


def chunk_ids_of(db: Connection, article_ids: Sequence[str]) -> list[str]:
    """The chunk ids of the articles `article_ids`, in the order they were stored."""
    return [r[0] for r in db.execute(
        f"SELECT id FROM chunks WHERE article_id IN ({','.join('?' * len(article_ids))}) ORDER BY rowid",
        list(article_ids))]


# Columns that name an article or chunk: renamed by `copy_articles`.
_ID_COLUMNS = frozenset({"id", "source_key", "grp", "article_id", "dup_of"})


def attach_library(db: Connection, path: Path, name: str) -> None:
    """Make the SQLite library file `path` readable from `db` as schema `name` (for `copy_articles`)."""
    db.execute("ATTACH DATABASE ? AS " + name, (str(path),))


def copy_articles(db: Connection, source: str, ids: Sequence[str], suffix: str, *, syndicated: bool = False) -> None:
    """Copy the articles `ids` of the attached library `source` with all their rows (sentences, signatures, pages,
    chunks and keyword entries) into `db`'s main library, every article and chunk id followed by `suffix`; inside
    the caller's transaction. For building large test indexes (`bench/scale.py`): the columns come from the schema.
    `syndicated` records each copy as `index.ingest` records a syndicated copy of the article copied without a
    suffix: in its syndication group, each chunk's `dup_of` the original's chunk.

        attach_library(db, Path("other/library.sqlite"), "src"); copy_articles(db, "src", ids, "-r1")
    """
    db.execute("CREATE TEMP TABLE IF NOT EXISTS copied(article_id TEXT PRIMARY KEY)")
    db.execute("DELETE FROM temp.copied")
    db.executemany("INSERT INTO temp.copied VALUES (?)", [(i,) for i in ids])
    first = last_chunk_rowid(db)
    for table in ("articles", "sentences", "signatures", "pages", "chunks"):
        columns = [r[1] for r in db.execute(f"PRAGMA main.table_info({table})") if r[1] != "rowid"]
        present = {r[1] for r in db.execute(f"PRAGMA {source}.table_info({table})")}
        if not present:
            continue  # a library from before the table existed
        values = [f"{c} || :s" if c in _ID_COLUMNS else c if c in present else "NULL" for c in columns]
        if syndicated:
            copy_of = {"grp": "COALESCE(grp, id)", "dup_of": "id"}.get if table in ("articles", "chunks") else {}.get
            values = [copy_of(c, v) for c, v in zip(columns, values)]
        key = "id" if table == "articles" else "article_id"
        order = " ORDER BY rowid" if table == "chunks" else ""
        db.execute(f"""INSERT INTO {table}({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}.{table}
                       WHERE {key} IN (SELECT article_id FROM temp.copied){order}""", {"s": suffix})
    db.execute("""INSERT INTO chunks_fts(rowid, text, title, source) SELECT c.rowid, c.text, a.title,
                  COALESCE(a.source, '') FROM chunks c JOIN articles a ON a.id = c.article_id
                  WHERE c.rowid > ?""", (first,))
    if syndicated:
        db.execute("UPDATE articles SET grp = id WHERE grp IS NULL AND id IN (SELECT article_id FROM temp.copied)")


# ----------------------------------------------------------------- the write side (`index.pipeline`)
def has_article(db: Connection, article_id: str) -> bool:
    return db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None


def stored_version(db: Connection, source_key: str) -> Any:
    """The `id` and `hash` (of the cleaned text) of the article stored from `source_key`; None when there is none."""
    return db.execute("SELECT id, hash FROM articles WHERE source_key = ?", (source_key,)).fetchone()


def identical_article(db: Connection, digest: str, source_key: str) -> Any:
    """The `id` and `path` of an article from another source whose cleaned text has hash `digest`; None when none
    does."""
    return db.execute("SELECT id, path FROM articles WHERE hash = ? AND source_key != ?", (digest, source_key)).fetchone()


def signatures(db: Connection) -> dict[str, bytes]:
    """Each article's MinHash signature (bytes of uint64s), by article id."""
    return {r["article_id"]: r["minhash"] for r in db.execute("SELECT article_id, minhash FROM signatures")}


def article_groups(db: Connection) -> dict[str, str | None]:
    """Each article's syndication group, by article id."""
    return {r["id"]: r["grp"] for r in db.execute("SELECT id, grp FROM articles")}


def set_groups(db: Connection, updates: Sequence[tuple[str, str]]) -> None:
    """Apply (group, article id) updates."""
    db.executemany("UPDATE articles SET grp = ? WHERE id = ?", updates)


def group_chunks(db: Connection, group: str, other_than: str) -> list[tuple[str, str]]:
    """(chunk id, text) of the chunks of the articles of `group` other than article `other_than`."""
    return [(r["id"], r["text"]) for r in db.execute(
        "SELECT c.id, c.text FROM chunks c JOIN articles a ON a.id = c.article_id WHERE a.grp = ? AND a.id != ?",
        (group, other_than))]


def insert_article(db: Connection, article: Article, *, source_key: str, added_at: float,
                   sentences: Sequence, sentence_vectors: Sequence[bytes | None], minhash: bytes,
                   pages: list[tuple[int, int]], chunks: Sequence, dup_of: dict[str, str]) -> None:
    """Store one article with its sentences (`.para`, `.start`, `.end`, and each one's vector as
    `rag.sentence_vectors.to_bytes` gives it), signature, pages and chunks (`rag.types.Chunk`, each `dup_of` a
    near-identical chunk of a syndicated copy) in the caller's transaction."""
    a = article
    db.execute("INSERT INTO articles(id, source_key, title, source, author, date, path, url, hash, grp, text, added_at)"
               " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
               (a.id, source_key, a.title, a.source, a.author, a.date, a.path, a.url, a.hash, a.group, a.text, added_at))
    db.executemany("INSERT INTO sentences(article_id, idx, para, start, \"end\", vector) VALUES (?,?,?,?,?,?)",
                   [(a.id, i, s.para, s.start, s.end, v) for i, (s, v) in enumerate(zip(sentences, sentence_vectors))])
    db.execute("INSERT INTO signatures(article_id, minhash) VALUES (?, ?)", (a.id, minhash))
    insert_pages(db, a.id, pages)
    rowids = [db.execute("INSERT INTO chunks(id, article_id, idx, start, \"end\", text, dup_of) VALUES (?,?,?,?,?,?,?) "
                         "RETURNING rowid", (c.id, a.id, c.index, c.start, c.end, c.text, dup_of.get(c.id))).fetchone()[0]
              for c in chunks]
    db.index_keywords([(rowid, c.text, a.title, a.source or "") for rowid, c in zip(rowids, chunks)])


def drop_article(db: Connection, article_id: str) -> list[str]:
    """Delete an article's rows inside the caller's transaction; return its chunk ids, now pending deletion."""
    rows = db.execute("SELECT rowid, id FROM chunks WHERE article_id = ?", (article_id,)).fetchall()
    db.unindex_keywords([r["rowid"] for r in rows])
    mark_pending(db, [r["id"] for r in rows])
    db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
    return [r["id"] for r in rows]


def count_chunks(db: Connection) -> int:
    """How many chunks are committed: as many vectors as the Chroma collection should hold."""
    return db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]


def chunk_ids_and_pending(db: Connection) -> tuple[set[str], set[str]]:
    """(ids of the committed chunks, ids in `pending`), read in one statement: one moment of the library."""
    committed: set[str] = set()
    pending: set[str] = set()
    for chunk_id, is_pending in db.execute("SELECT id, 0 FROM chunks UNION ALL SELECT chunk_id, 1 FROM pending"):
        (pending if is_pending else committed).add(chunk_id)
    return committed, pending


def committed_chunks(db: Connection, ids: Sequence[str]) -> list[tuple[Article, Chunk]]:
    """(article, chunk) of each committed chunk of `ids`, in the order of `ids`: what its vector is made from."""
    if not ids:
        return []
    rows = db.execute(f"SELECT id, article_id, idx, text, start, \"end\" FROM chunks WHERE id IN ({','.join('?' * len(ids))})",
                      list(ids)).fetchall()
    articles = load_articles(db, list(dict.fromkeys(r["article_id"] for r in rows)))
    chunks = {r["id"]: Chunk(r["id"], r["article_id"], r["idx"], r["text"], r["start"], r["end"]) for r in rows}
    return [(articles[chunks[i].article_id], chunks[i]) for i in ids if i in chunks]


def pending_chunks(db: Connection) -> list[str]:
    """Chunk ids whose vectors may be in Chroma without being committed here."""
    return [r[0] for r in db.execute("SELECT chunk_id FROM pending")]


def mark_pending(db: Connection, chunk_ids: Sequence[str]) -> None:
    db.executemany("INSERT INTO pending(chunk_id) VALUES (?) ON CONFLICT DO NOTHING", [(i,) for i in chunk_ids])


def clear_pending(db: Connection, chunk_ids: Sequence[str]) -> None:
    db.executemany("DELETE FROM pending WHERE chunk_id = ?", [(i,) for i in chunk_ids])


# ----------------------------------------------------------------- PDF pages
def insert_pages(db: Connection, article_id: str, pages: list[tuple[int, int]]) -> None:
    """Record where each page of a PDF article begins (inside the caller's transaction)."""
    db.executemany("INSERT INTO pages(article_id, page, start) VALUES (?,?,?)",
                   [(article_id, page, start) for page, start in pages])


def page_at(db: Connection, article_id: str, offset: int) -> int | None:
    """The PDF page holding character `offset` of an article's text; None for articles without pages
    (and for indexes built before pages were recorded)."""
    if not db.has_table("pages"):
        return None
    row = db.execute("SELECT page FROM pages WHERE article_id = ? AND start <= ? ORDER BY start DESC LIMIT 1",
                     (article_id, offset)).fetchone()
    return row[0] if row else None


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
    cur = library.connect().execute("INSERT INTO feeds(url, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (url, now))
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
        "INSERT INTO feed_entries(feed_url, entry_id, link, stamp) VALUES (?,?,?,?) ON CONFLICT(feed_url, entry_id) "
        "DO UPDATE SET link = excluded.link, stamp = excluded.stamp",
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
        "SELECT MAX(NULLIF(date, '')), COUNT(*) FILTER (WHERE date IS NULL OR date = '') FROM articles").fetchone()
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
