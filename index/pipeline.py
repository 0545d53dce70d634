"""Ingest, update and remove articles: load → clean → dedupe → chunk → embed → store.

    >>> from index import ingest, stats
    >>> from rag.settings import Settings
    >>> settings = Settings.load(overrides={"index_dir": "/tmp/my-index"})
    >>> report = ingest(["seeds"], settings)
    >>> print(report.summary())          # added 5, updated 0, unchanged 0, skipped 0, failed 0 ...
    >>> stats(settings).n_articles
    5

Crash safety: SQLite is the commit point (see `rag.store`). Vectors go to Chroma
first, listed in `pending`; one SQLite transaction then makes a batch of articles
visible and clears `pending`. A killed ingest leaves only `pending` ids behind,
which the next ingest deletes from Chroma before it starts.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from index.chunk import chunk_article
from index.clean import clean_article
from index.dedupe import CHUNK_THRESHOLD, best_match, jaccard, shingles, signature
from index.load import LoadProblem, RawDocument, count_files, load_paths
from index.pdf import page_starts
from rag.embedder import Embedder, load_embedder
from rag.store import (
    ArticleSummary,
    IndexMismatchError,
    Library,
    chroma_collection,
    check_manifest,
    expected_manifest,
    insert_pages,
    list_articles,
    read_manifest,
    with_index_backend,
    write_manifest,
)
from rag.settings import Settings
from rag.text import split_sentences
from rag.types import Article, Chunk

Progress = Callable[[int, int, str], None]
# Chunks embedded per batch: big enough to keep the model busy, small enough that a
# kill loses little work.
BATCH_CHUNKS = 256


@dataclass(frozen=True)
class FileProblem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class IngestReport:
    """What one ingest did. `problems` lists every skipped or failed input with its reason."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[FileProblem] = field(default_factory=list)  # not news text: duplicates, empty, unsupported
    failed: list[FileProblem] = field(default_factory=list)  # could not be read or stored
    chunks: int = 0
    seconds: float = 0.0

    @property
    def problems(self) -> list[FileProblem]:
        return self.skipped + self.failed

    @property
    def indexed_anything(self) -> bool:
        return bool(self.added or self.updated or self.unchanged)

    def summary(self) -> str:
        lines = [
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"skipped {len(self.skipped)}, failed {len(self.failed)}; "
            f"{self.chunks} chunks embedded in {self.seconds:.1f} s"
        ]
        lines += [f"  skipped {p}" for p in self.skipped]
        lines += [f"  failed  {p}" for p in self.failed]
        return "\n".join(lines)


@dataclass(frozen=True)
class IndexStats:
    index_dir: str
    articles: list[ArticleSummary]
    n_articles: int
    n_chunks: int
    manifest: dict


class IngestBusyError(RuntimeError):
    """Another ingest holds the index."""


@dataclass
class _Prepared:
    source_key: str
    article: Article
    sentences: list
    chunks: list[Chunk]
    replaces: str | None  # id of the article row this one updates
    pages: list[tuple[int, int]] = field(default_factory=list)  # (page, start offset): PDFs only


def ingest(
    paths: Iterable[str | Path],
    settings: Settings,
    *,
    progress: Progress | None = None,
    wait: bool = True,
    rebuild: bool = False,
    loaded: Iterable[RawDocument | LoadProblem] = (),
) -> IngestReport:
    """Index files and folders into the index at `settings.index_dir`; idempotent and incremental.

    `loaded` are documents read elsewhere (web pages fetched by `index.web`), indexed after the files.
    """
    began = time.perf_counter()
    paths = [Path(p) for p in paths]
    report = IngestReport()
    with _ingest_lock(Path(settings.index_dir), wait, progress):
        if not rebuild:
            settings = with_index_backend(settings)
        embedder = load_embedder(settings.model, settings.backend)
        library, collection = _open_for_writing(settings, embedder, rebuild)
        _recover_pending(library, collection)
        loaded = list(loaded)
        total = count_files(paths) + len(loaded)
        seen_files: set[str] = set()
        batch: list[_Prepared] = []
        for documents, item in enumerate(itertools.chain(load_paths(paths), loaded), 1):
            seen_files.add(item.path)
            if progress:  # one JSON file can hold hundreds of articles: count documents too
                progress(len(seen_files), total, f"{Path(item.path).name} (document {documents})")
            if isinstance(item, LoadProblem):
                report.skipped.append(FileProblem(item.path, item.reason))
                continue
            try:
                prepared = _prepare(item, library, embedder, settings, batch, report)
            except Exception as exc:  # one bad document must not stop the batch
                report.failed.append(FileProblem(item.path, f"{type(exc).__name__}: {exc}".splitlines()[0]))
                continue
            if prepared:
                batch.append(prepared)
                if sum(len(p.chunks) for p in batch) >= BATCH_CHUNKS:
                    _store(batch, library, collection, embedder, settings, report)
                    batch = []
        _store(batch, library, collection, embedder, settings, report)
    report.seconds = time.perf_counter() - began
    return report


def remove(article_id: str, settings: Settings) -> bool:
    """Remove one article (its text, chunks, vectors and keyword entries). False if it was not there."""
    with _ingest_lock(Path(settings.index_dir), True, None):
        library = Library(settings.index_dir)
        collection = chroma_collection(settings, create=False)
        _recover_pending(library, collection)
        db = library.connect()
        if not db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone():
            return False
        db.execute("BEGIN IMMEDIATE")
        old_ids = _drop_article(db, article_id)
        db.execute("COMMIT")
        _delete_vectors(library, collection, old_ids)
        return True


def stats(settings: Settings) -> IndexStats:
    """The library listing and totals of the index at `settings.index_dir`."""
    library = Library(settings.index_dir)
    articles = list_articles(library)
    return IndexStats(
        index_dir=str(settings.index_dir),
        articles=articles,
        n_articles=len(articles),
        n_chunks=sum(a.chunks for a in articles),
        manifest=read_manifest(settings.index_dir) or {},
    )


@contextmanager
def _ingest_lock(index_dir: Path, wait: bool, progress: Progress | None) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "ingest.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise IngestBusyError(f"another ingest is running on {index_dir}; try again when it ends") from None
            if progress:
                progress(0, 0, "waiting for another ingest to finish")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _open_for_writing(settings: Settings, embedder: Embedder, rebuild: bool):
    index_dir = Path(settings.index_dir)
    wanted = expected_manifest(settings, embedder.weights_sha256, embedder.dimension)
    found = read_manifest(index_dir)
    if rebuild and found is not None:
        _wipe(settings)
        found = None
    if found is not None:
        check_manifest(index_dir, found, wanted)
    library = Library(index_dir, create=True)
    collection = chroma_collection(settings, create=True)
    if found is None:
        if settings.chroma_url and collection.count():
            # A server is shared: vectors here belong to another index folder (or a deleted one).
            raise IndexMismatchError(
                f"the collection {settings.collection!r} on {settings.chroma_url} already holds "
                f"{collection.count()} vectors of another index; give this index its own collection "
                "(RAG_COLLECTION=<name>)"
            )
        write_manifest(index_dir, wanted)
    return library, collection


def _wipe(settings: Settings) -> None:
    import shutil

    index_dir = Path(settings.index_dir)
    if settings.chroma_url:
        from rag.store import chroma_client

        try:
            chroma_client(settings).delete_collection(settings.collection)
        except Exception:  # absent already
            pass
    else:
        shutil.rmtree(index_dir / "chroma", ignore_errors=True)
    for name in ("manifest.json", "library.sqlite", "library.sqlite-wal", "library.sqlite-shm"):
        (index_dir / name).unlink(missing_ok=True)


def _recover_pending(library: Library, collection) -> None:
    """Delete vectors an interrupted ingest wrote but never committed."""
    db = library.connect()
    ids = [r[0] for r in db.execute("SELECT chunk_id FROM pending")]
    if ids:
        _delete_vectors(library, collection, ids)


def _delete_vectors(library: Library, collection, ids: list[str]) -> None:
    if not ids:
        return
    for i in range(0, len(ids), 5000):
        collection.delete(ids=ids[i:i + 5000])
    db = library.connect()
    db.executemany("DELETE FROM pending WHERE chunk_id = ?", [(i,) for i in ids])


def _article_id(source_key: str) -> str:
    return hashlib.sha1(source_key.encode("utf-8")).hexdigest()[:16]


def _prepare(doc: RawDocument, library: Library, embedder: Embedder, settings: Settings,
             batch: list[_Prepared], report: IngestReport) -> _Prepared | None:
    cleaned = clean_article(doc)
    if cleaned is None or not cleaned.text.strip():
        report.skipped.append(FileProblem(doc.path, "no article text after cleaning"))
        return None
    digest = hashlib.sha256("\n".join([cleaned.title, cleaned.text]).encode("utf-8")).hexdigest()
    db = library.connect()
    existing = db.execute("SELECT id, hash FROM articles WHERE source_key = ?", (doc.source_key,)).fetchone()
    if existing and existing["hash"] == digest:
        report.unchanged.append(existing["id"])
        return None
    twin = db.execute("SELECT id, path FROM articles WHERE hash = ? AND source_key != ?",
                      (digest, doc.source_key)).fetchone()
    if twin or any(p.article.hash == digest for p in batch):
        where = twin["path"] if twin else "this batch"
        report.skipped.append(FileProblem(doc.path, f"identical to an article already indexed ({where})"))
        return None
    article_id = existing["id"] if existing else _article_id(doc.source_key)
    article = Article(
        id=article_id, title=cleaned.title, text=cleaned.text, source=cleaned.source, author=cleaned.author,
        date=cleaned.date, path=doc.path, url=cleaned.url or doc.url, hash=digest,
    )
    sentences = split_sentences(article.text)
    # The content hash in chunk ids lets an update's new vectors coexist with the old ones until commit.
    chunks = chunk_article(article.id, article.text, sentences, embedder.count_tokens,
                           settings.chunk_size, settings.chunk_overlap, id_prefix=f"{article.id}-{digest[:8]}")
    pages = page_starts(doc.text, doc.pages, article.text, sentences) if doc.pages else []
    return _Prepared(doc.source_key, article, sentences, chunks, existing["id"] if existing else None, pages)


def _store(batch: list[_Prepared], library: Library, collection, embedder: Embedder,
           settings: Settings, report: IngestReport) -> None:
    if not batch:
        return
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    db = library.connect()
    regrouped = _assign_groups(batch, library)
    texts = [c.text for p in batch for c in p.chunks]
    vectors = embedder.encode(texts, batch_size=settings.embed_batch_size)
    nodes, k = [], 0
    for p in batch:
        a = p.article
        for c in p.chunks:
            nodes.append(TextNode(
                id_=c.id, text=c.text, embedding=vectors[k].tolist(),
                metadata={"article_id": a.id, "title": a.title, "source": a.source or "", "date": a.date or "",
                          "date_num": _date_num(a.date), "chunk_idx": c.index},
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=a.id)},
            ))
            k += 1
    db.executemany("INSERT OR IGNORE INTO pending(chunk_id) VALUES (?)", [(n.id_,) for n in nodes])
    ChromaVectorStore(chroma_collection=collection).add(nodes)

    replaced: list[str] = []
    now = time.time()
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany("UPDATE articles SET grp = ? WHERE id = ?", regrouped)
        for p in batch:
            a = p.article
            if p.replaces:
                replaced += _drop_article(db, p.replaces)
            db.execute(
                "INSERT INTO articles(id, source_key, title, source, author, date, path, url, hash, grp, text, added_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (a.id, p.source_key, a.title, a.source, a.author, a.date, a.path, a.url, a.hash, a.group, a.text, now),
            )
            db.executemany("INSERT INTO sentences(article_id, idx, para, start, end) VALUES (?,?,?,?,?)",
                           [(a.id, i, s.para, s.start, s.end) for i, s in enumerate(p.sentences)])
            db.execute("INSERT INTO signatures(article_id, minhash) VALUES (?, ?)", (a.id, signature(a.text).tobytes()))
            insert_pages(db, a.id, p.pages)
            dup_of = _chunk_duplicates(db, p)
            for c in p.chunks:
                cur = db.execute(
                    "INSERT INTO chunks(id, article_id, idx, start, end, text, dup_of) VALUES (?,?,?,?,?,?,?)",
                    (c.id, a.id, c.index, c.start, c.end, c.text, dup_of.get(c.id)),
                )
                db.execute("INSERT INTO chunks_fts(rowid, text, title, source) VALUES (?,?,?,?)",
                           (cur.lastrowid, c.text, a.title, a.source or ""))
        db.executemany("DELETE FROM pending WHERE chunk_id = ?", [(n.id_,) for n in nodes])
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    _delete_vectors(library, collection, replaced)
    for p in batch:
        (report.updated if p.replaces else report.added).append(p.article.id)
    report.chunks += len(nodes)


def _drop_article(db, article_id: str) -> list[str]:
    """Delete an article's rows inside the caller's transaction; return its chunk ids, now pending deletion."""
    rows = db.execute("SELECT rowid, id FROM chunks WHERE article_id = ?", (article_id,)).fetchall()
    db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(r["rowid"],) for r in rows])
    db.executemany("INSERT OR IGNORE INTO pending(chunk_id) VALUES (?)", [(r["id"],) for r in rows])
    db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
    return [r["id"] for r in rows]


def _assign_groups(batch: list[_Prepared], library: Library) -> list[tuple[str, str]]:
    """Put syndicated copies in one group, named after the group's first article.

    Sets `group` on the batch's articles; returns (group, article_id) updates for stored ones.
    """
    import numpy as np

    db = library.connect()
    known = {r["article_id"]: np.frombuffer(r["minhash"], dtype=np.uint64)
             for r in db.execute("SELECT article_id, minhash FROM signatures")}
    groups = {r["id"]: r["grp"] for r in db.execute("SELECT id, grp FROM articles")}
    in_batch = {p.article.id: p for p in batch}
    updates: list[tuple[str, str]] = []
    for p in batch:
        sig = signature(p.article.text)
        match, _ = best_match(sig, {k: v for k, v in known.items() if k not in (p.article.id, p.replaces)})
        known[p.article.id] = sig
        if not match:
            continue
        group = groups.get(match) or match
        if match in in_batch:
            in_batch[match].article = replace(in_batch[match].article, group=group)
        elif groups.get(match) is None:
            updates.append((group, match))
        groups[match] = groups[p.article.id] = group
        p.article = replace(p.article, group=group)
    return updates


def _chunk_duplicates(db, p: _Prepared) -> dict[str, str]:
    """Map each chunk to a near-identical chunk of another article in its syndication group."""
    if not p.article.group:
        return {}
    others = db.execute(
        "SELECT c.id, c.text FROM chunks c JOIN articles a ON a.id = c.article_id WHERE a.grp = ? AND a.id != ?",
        (p.article.group, p.article.id),
    ).fetchall()
    other_shingles = [(r["id"], shingles(r["text"])) for r in others]
    out = {}
    for c in p.chunks:
        mine = shingles(c.text)
        best = max(other_shingles, key=lambda o: jaccard(mine, o[1]), default=None)
        if best and jaccard(mine, best[1]) >= CHUNK_THRESHOLD:
            out[c.id] = best[0]
    return out


def _date_num(date: str | None) -> int:
    return int(date.replace("-", "")) if date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else 0
