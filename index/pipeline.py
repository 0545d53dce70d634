"""Ingest, update and remove articles: load → clean → dedupe → chunk → embed → store.

    >>> from index import ingest, stats
    >>> from rag.settings import Settings
    >>> settings = Settings.load(overrides={"index_dir": "/tmp/my-index"})
    >>> report = ingest(["seeds"], settings)
    >>> print(report.summary())          # added 5, updated 0, unchanged 0, skipped 0, failed 0 ...
    >>> stats(settings).n_articles
    5

Crash safety: the library (SQLite or PostgreSQL) is the commit point (see `rag.store`). Vectors go to
Chroma first, listed in `pending`; one transaction then makes a batch of articles
visible and clears `pending`. A killed ingest leaves only `pending` ids behind,
which the next ingest deletes from Chroma before it starts. One writer at a time: a file lock in the
index folder, or an advisory lock in PostgreSQL (`rag.store.writer_lock`).
"""

from __future__ import annotations

import hashlib
import itertools
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from index import rebuild as swap
from index.chunk import chunk_article
from index.clean import clean_article
from index.dedupe import CHUNK_THRESHOLD, best_match, jaccard, shingles, signature
from index.load import FileProblem, RawDocument, count_documents, load_paths
from index.pdf import page_starts
from rag.embedder import Embedder, embedder_for
from rag.store import (
    ArticleSummary,
    IndexMismatchError,
    IndexNotFoundError,
    Library,
    article_groups,
    check_manifest,
    chroma_client,
    check_collection,
    chroma_collection,
    clear_pending,
    collection_identity,
    count_rows,
    count_sentences_without_vectors,
    collection_place,
    committed_chunks,
    drop_article,
    expected_manifest,
    group_chunks,
    has_article,
    identical_article,
    insert_article,
    list_articles,
    mark_pending,
    open_library,
    pending_chunks,
    sentences_without_vectors,
    set_groups,
    set_sentence_vectors,
    signatures,
    stored_version,
    with_index_backend,
    writer_lock,
)
from rag.sentence_vectors import to_bytes
from rag.settings import Settings
from rag.text import split_sentences
from rag.types import Article, Chunk, chunk_metadata
from rag.vector_check import VectorGap, check_vectors

Progress = Callable[[int, int, str], None]  # (documents read, documents in all, what is being read)
SENTENCE_STEP = 2_000  # sentence vectors stored per transaction by `repair` (about 8 s of embedding)
# Chunks embedded per batch: big enough to keep the model busy, small enough that a
# kill loses little work. Also the most vectors held at once, so a long article is
# embedded and written in slices of this size.
BATCH_CHUNKS = 256
# Vector ids per Chroma delete: a slice the client takes at once. Not measured.
DELETE_BATCH = 5000
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
    kept_old_index: bool = False  # a rebuild that indexed nothing left the old index in place
    vectors: VectorGap | None = None  # how the collection differs from the library once the ingest is done

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
        if self.kept_old_index:
            lines.append("nothing could be indexed, so the rebuild was dropped: the index is as it was")
        if self.vectors:
            lines.append(self.vectors.line())
        return "\n".join(lines)


@dataclass
class RepairReport:
    """What `repair` did: vectors written for committed chunks that had none, vectors of no chunk deleted, and
    what still differs afterwards (nothing, unless the vector store failed again)."""

    chunks: int = 0  # committed chunks in the library
    embedded: int = 0
    dropped: int = 0
    sentences: int = 0  # sentence vectors stored (`rag.sentence_vectors`) where the library had none
    seconds: float = 0.0
    left: VectorGap | None = None

    def summary(self) -> str:
        line = (f"repaired: {self.embedded} of {self.chunks} chunks re-embedded; vectors of no chunk dropped: "
                f"{self.dropped}; sentence vectors stored: {self.sentences}; in {self.seconds:.1f} s")
        return f"{line}\n{self.left.line()}" if self.left else f"{line}; every chunk has its vector"


@dataclass(frozen=True)
class IndexStats:
    index_dir: str
    articles: list[ArticleSummary]
    n_articles: int
    n_chunks: int
    manifest: dict
    vectors: VectorGap | None  # how the collection differs from the library (None: could not be checked)
    vectors_unchecked: str = ""  # why not, in one line
    sentences_without_vectors: int = 0  # a library from before `rag.sentence_vectors`

    def sentence_vectors_line(self) -> str:
        """One line when sentences lack their stored vector, else empty."""
        if not self.sentences_without_vectors:
            return ""
        return (f"{self.sentences_without_vectors:,} sentences have no stored vector (a library from before they "
                "were stored), so answers encode them while the reader waits: run `rag index --repair`")


class IngestBusyError(RuntimeError):
    """Another ingest holds the index."""


class IngestInputError(ValueError):
    """A rebuild was given a path that does not exist, or cannot be done where the library is; nothing was
    changed."""


# `rag index --rebuild` of a library in PostgreSQL whose vectors are in the index folder: refused. The library is
# swapped for every host at once; the vectors of this host's folder could not follow on the other hosts.
REBUILD_HOST_VECTORS = ("--rebuild of a library in PostgreSQL needs its vectors on a Chroma server (--chroma-url, "
                        "RAG_CHROMA_URL), which every host reads; or build a new library into an empty database "
                        "(`rag index PATH... --database-url postgresql://…/NEW`) and point the hosts at it: "
                        "the library was not changed")


@dataclass
class _Prepared:
    source_key: str
    article: Article
    sentences: list
    chunks: list[Chunk]
    replaces: str | None  # id of the article row this one updates
    pages: list[tuple[int, int]] = field(default_factory=list)  # (page, start offset): PDFs only
    # The text's MinHash signature (uint64s), made by `_assign_groups` before the write transaction opens: 18 ms an
    # article (MultiHop-RAG, mean of 60) that the transaction no longer holds its locks open for.
    minhash: bytes = b""
    sentence_vectors: list[bytes] = field(default_factory=list)  # `rag.sentence_vectors`, made before it opens too


def ingest(
    paths: Iterable[str | Path],
    settings: Settings,
    *,
    progress: Progress | None = None,
    wait: bool = True,
    rebuild: bool = False,
    loaded: Iterable[RawDocument | FileProblem] = (),
) -> IngestReport:
    """Index files and folders into the index at `settings.index_dir`; idempotent and incremental.

    `loaded` are documents read elsewhere (web pages fetched by `index.web`), indexed after the files.
    With `rebuild`, every path must exist (else IngestInputError, nothing changed); the new index is
    built beside the old one and takes its place only if it indexed something.
    """
    began = time.perf_counter()
    paths, loaded = [Path(p) for p in paths], list(loaded)
    if rebuild and settings.database_url and not settings.chroma_url:
        raise IngestInputError(REBUILD_HOST_VECTORS)
    if rebuild and (missing := [str(p) for p in paths if not p.exists()]):
        raise IngestInputError(f"no such file or directory: {', '.join(missing)}; the index was not changed")
    with _writer(settings, wait, progress):
        swap.recover(settings)
        if not rebuild:
            report = _ingest_into(paths, loaded, with_index_backend(settings), progress)
        else:
            target = swap.beside(settings)
            try:
                swap.start(target)
                report = _ingest_into(paths, loaded, target, progress)
            except BaseException:
                swap.discard(target)
                raise
            if report.indexed_anything:
                swap.replace(target, settings)
            else:
                swap.discard(target)
                report.kept_old_index = True
    report.seconds = time.perf_counter() - began
    return report


def _ingest_into(paths: list[Path], loaded: list[RawDocument | FileProblem], settings: Settings,
                 progress: Progress | None) -> IngestReport:
    report = IngestReport()
    embedder = embedder_for(settings)
    library, collection, max_batch = _open_for_writing(settings, embedder)
    _recover_pending(library, collection)
    total = count_documents(paths) + len(loaded)
    done = 0  # documents finished: the progress count (one JSON file can hold hundreds)
    tell = (lambda label: progress(min(done, total), total, label)) if progress else None
    writer = _Writer(library, collection, embedder, settings, report, max_batch, tell)
    batch: list[_Prepared] = []
    name = ""
    for done, item in enumerate(itertools.chain(load_paths(paths), loaded)):
        name = Path(item.path).name
        if tell:
            tell(name)
        if isinstance(item, FileProblem):
            report.skipped.append(item)
            continue
        try:
            prepared = _prepare(item, library, embedder, settings, batch, report)
        except Exception as exc:  # one bad document must not stop the batch
            report.failed.append(FileProblem(item.path, _reason(exc)))
            continue
        if prepared:
            batch.append(prepared)
            if sum(len(p.chunks) for p in batch) >= BATCH_CHUNKS:
                writer.store(batch)
                batch = []
    writer.store(batch)
    done = total
    if tell and total:
        tell(name)
    report.vectors = check_vectors(library, collection, collection_place(settings))
    library.close()
    return report


def repair(settings: Settings, *, progress: Progress | None = None, sentence_progress: Progress | None = None,
           wait: bool = True) -> RepairReport:
    """Make the Chroma collection match the library again: embed and write the committed chunks it has no vector
    for, delete its vectors of no chunk. For a vector store that lost vectors (see `rag.vector_check`). In the
    library, only the vectors of sentences stored without one are added (a library from before
    `rag.sentence_vectors`). `progress` counts chunks, `sentence_progress` those sentences.

        >>> print(repair(settings).summary())   # repaired: 22 of 22 chunks re-embedded; vectors of no chunk dropped: 0; …
    """
    began = time.perf_counter()
    report = RepairReport()
    with _writer(settings, wait, progress):
        swap.recover(settings)
        settings = with_index_backend(settings)
        library = open_library(settings)  # IndexNotFoundError when there is no index to repair
        if library.manifest() is None:
            raise IndexNotFoundError(f"no index at {library.place}: build one with `rag index PATH...`")
        embedder = embedder_for(settings)
        library, collection, step = _open_for_writing(settings, embedder)
        _recover_pending(library, collection)
        place = collection_place(settings)
        gap = check_vectors(library, collection, place, exact=True)
        report.chunks = gap.chunks
        _delete_vectors(library, collection, sorted(gap.stray))
        report.dropped = len(gap.stray)
        missing = sorted(gap.missing)
        for i in range(0, len(missing), step):
            part = committed_chunks(library.connect(), missing[i:i + step])
            _embed_and_write(collection, embedder, settings, part)
            report.embedded += len(part)
            if progress:
                progress(i + len(part), len(missing), "with no vector")
        report.sentences = _store_sentence_vectors(library, embedder, settings, sentence_progress)
        left = check_vectors(library, collection, place, exact=True)
        report.left = left if left else None
        library.close()
    report.seconds = time.perf_counter() - began
    return report


def _store_sentence_vectors(library: Library, embedder: Embedder, settings: Settings,
                            progress: Progress | None) -> int:
    """Embed and store the sentences stored without a vector, `SENTENCE_STEP` a transaction; how many."""
    db = library.connect()
    total, done = count_sentences_without_vectors(db), 0
    while rows := sentences_without_vectors(db, SENTENCE_STEP):
        vectors = to_bytes(embedder.encode([text for _, _, text in rows], batch_size=settings.embed_batch_size))
        with db.transaction():
            set_sentence_vectors(db, [(v, aid, idx) for v, (aid, idx, _) in zip(vectors, rows)])
        done += len(rows)
        if progress:
            progress(done, total, "with no vector")
    return done


def remove(article_id: str, settings: Settings) -> bool:
    """Remove one article (its text, chunks, vectors and keyword entries). False if it was not there."""
    with _writer(settings, True, None):
        library = open_library(settings)
        collection = chroma_collection(settings, create=False)
        _recover_pending(library, collection)
        db = library.connect()
        if not has_article(db, article_id):
            return False
        with db.transaction():
            old_ids = drop_article(db, article_id)
        _delete_vectors(library, collection, old_ids)
        return True


def stats(settings: Settings) -> IndexStats:
    """The library listing and totals of the index at `settings.index_dir`."""
    library = open_library(settings)
    articles = list_articles(library)
    manifest = library.manifest() or {}
    vectors, unchecked = None, ""
    if manifest:
        try:
            collection = chroma_collection(settings, create=False, lost_ok=True)
            vectors = check_vectors(library, collection, collection_place(settings))
        except Exception as exc:  # an unreachable server, say: the listing stands, the line says why
            unchecked = f"the vectors could not be checked: {_reason(exc)}"
    return IndexStats(
        index_dir=str(settings.index_dir),
        articles=articles,
        n_articles=len(articles),
        n_chunks=sum(a.chunks for a in articles),
        manifest=manifest,
        vectors=vectors,
        vectors_unchecked=unchecked,
        sentences_without_vectors=_sentences_without_vectors(library),
    )


def _sentences_without_vectors(library: Library) -> int:
    db = library.connect()
    if not db.has_column("sentences", "vector"):
        return count_rows(db, "sentences")
    return count_sentences_without_vectors(db)


def _writer(settings: Settings, wait: bool, progress: Progress | None):
    """The library's writer lock (`rag.store.writer_lock`), saying so while it waits."""
    on_wait = (lambda: progress(0, 0, "waiting for another ingest to finish")) if progress else None
    return writer_lock(settings, wait=wait, on_wait=on_wait, busy=IngestBusyError)


def _open_for_writing(settings: Settings, embedder: Embedder):
    """(library, collection, how many vectors to write at once: at most what the Chroma client takes)."""
    wanted = expected_manifest(settings, embedder.weights_sha256, embedder.dimension)
    library = open_library(settings, create=True)
    found = library.manifest()
    if found is not None:
        check_manifest(library, found, wanted)
    client = chroma_client(settings)
    collection = chroma_collection(settings, create=True, identity=collection_identity(found or wanted))
    check_collection(collection, found or wanted, settings)
    if found is None:
        if settings.chroma_url and collection.count():
            # A server is shared: vectors here belong to another index folder (or a deleted one).
            raise IndexMismatchError(
                f"the collection {settings.collection!r} on {settings.chroma_url} already holds "
                f"{collection.count()} vectors of another index; give this index its own collection "
                "(RAG_COLLECTION=<name>)"
            )
        library.save_manifest(wanted)
    return library, collection, min(client.get_max_batch_size(), settings.chroma_batch or BATCH_CHUNKS)


def _recover_pending(library: Library, collection) -> None:
    """Delete vectors an interrupted ingest wrote but never committed."""
    db = library.connect()
    ids = pending_chunks(db)
    if ids:
        _delete_vectors(library, collection, ids)


def _delete_vectors(library: Library, collection, ids: list[str]) -> None:
    if not ids:
        return
    for i in range(0, len(ids), DELETE_BATCH):
        collection.delete(ids=ids[i:i + DELETE_BATCH])
    clear_pending(library.connect(), ids)


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
    existing = stored_version(db, doc.source_key)
    if existing and existing["hash"] == digest:
        report.unchanged.append(existing["id"])
        return None
    twin = identical_article(db, digest, doc.source_key)
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


class _Writer:
    """Embeds prepared articles and stores them, one article's failure failing that article alone.

    The batch's chunks are embedded and written to Chroma in slices of at most `step` (never more
    than the client's largest write), each slice just before it is written, so a long article never
    holds all its vectors. A slice that fails is written again article by article, to find whose it was.
    """

    def __init__(self, library: Library, collection, embedder: Embedder, settings: Settings,
                 report: IngestReport, step: int, tell: Callable[[str], None] | None):
        self.library, self.collection, self.embedder, self.settings = library, collection, embedder, settings
        self.report, self.step, self.tell = report, step, tell

    def store(self, batch: list[_Prepared]) -> None:
        if not batch:
            return
        regrouped = _assign_groups(batch, self.library)
        failed: dict[int, Exception] = {}  # position in `batch` -> why
        stream = [(k, c) for k, p in enumerate(batch) for c in p.chunks]
        for i in range(0, len(stream), self.step):
            part = [(k, c) for k, c in stream[i:i + self.step] if k not in failed]
            try:
                self._write_vectors(batch, part)
            except Exception:
                for k in dict.fromkeys(k for k, _ in part):
                    try:
                        self._write_vectors(batch, [(j, c) for j, c in part if j == k])
                    except Exception as exc:
                        failed[k] = exc
            self._tell(batch, stream[min(i + self.step, len(stream)) - 1])
        self._embed_sentences([p for k, p in enumerate(batch) if k not in failed])
        db = self.library.connect()
        committed, replaced = [], []
        with db.transaction():
            set_groups(db, regrouped)
            for k, p in enumerate(batch):
                if k in failed:
                    continue
                try:
                    with db.savepoint():
                        replaced += _insert_article(db, p)
                    committed.append(p)
                except Exception as exc:
                    failed[k] = exc
            clear_pending(db, [c.id for p in committed for c in p.chunks])
        for k, exc in failed.items():
            self.report.failed.append(FileProblem(batch[k].article.path, _reason(exc)))
        _delete_vectors(self.library, self.collection, replaced + [c.id for k in failed for c in batch[k].chunks])
        for p in committed:
            (self.report.updated if p.replaces else self.report.added).append(p.article.id)
            self.report.chunks += len(p.chunks)

    def _write_vectors(self, batch: list[_Prepared], part: list[tuple[int, Chunk]]) -> None:
        """Embed `part` ((position in batch, chunk) pairs) and write it to Chroma, listed in `pending` first."""
        if not part:
            return
        mark_pending(self.library.connect(), [c.id for _, c in part])
        _embed_and_write(self.collection, self.embedder, self.settings, [(batch[k].article, c) for k, c in part])

    def _embed_sentences(self, batch: list[_Prepared]) -> None:
        """Each sentence's vector, stored with it (`rag.sentence_vectors`): 3.7 ms a sentence against 50 ms a
        chunk on 2 cores (MultiHop-RAG, int8): with 6.5 sentences a chunk, about half as much embedding again."""
        texts = [p.article.text[s.start:s.end] for p in batch for s in p.sentences]
        vectors = iter(to_bytes(self.embedder.encode(texts, batch_size=self.settings.embed_batch_size)))
        for p in batch:
            p.sentence_vectors = [next(vectors) for _ in p.sentences]

    def _tell(self, batch: list[_Prepared], last: tuple[int, Chunk]) -> None:
        """Progress inside an article longer than one slice."""
        p = batch[last[0]]
        if self.tell and len(p.chunks) > self.step:
            self.tell(f"{Path(p.article.path).name}: {last[1].index + 1:,} of {len(p.chunks):,} chunks embedded")


def _embed_and_write(collection, embedder: Embedder, settings: Settings, part: list[tuple[Article, Chunk]]) -> None:
    """Embed the chunks of `part` ((article, chunk) pairs) and write their vectors to Chroma in one call."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    if not part:
        return
    vectors = embedder.encode([c.text for _, c in part], batch_size=settings.embed_batch_size)
    nodes = [TextNode(id_=c.id, text=c.text, embedding=v.tolist(), metadata=chunk_metadata(a, c.index),
                      relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=a.id)})
             for (a, c), v in zip(part, vectors)]
    ChromaVectorStore(chroma_collection=collection).add(nodes)


def _insert_article(db, p: _Prepared) -> list[str]:
    """Insert one prepared article inside the caller's transaction; return the chunk ids it replaces."""
    replaced = drop_article(db, p.replaces) if p.replaces else []
    insert_article(db, p.article, source_key=p.source_key, added_at=time.time(), sentences=p.sentences,
                   sentence_vectors=p.sentence_vectors, minhash=p.minhash or signature(p.article.text).tobytes(), pages=p.pages, chunks=p.chunks,
                   dup_of=_chunk_duplicates(db, p))
    return replaced


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def _assign_groups(batch: list[_Prepared], library: Library) -> list[tuple[str, str]]:
    """Put syndicated copies in one group, named after the group's first article.

    Sets `group` and `minhash` on the batch's articles; returns (group, article_id) updates for stored ones.
    """
    import numpy as np

    db = library.connect()
    known = {aid: np.frombuffer(minhash, dtype=np.uint64) for aid, minhash in signatures(db).items()}
    groups = article_groups(db)
    in_batch = {p.article.id: p for p in batch}
    updates: list[tuple[str, str]] = []
    for p in batch:
        sig = signature(p.article.text)
        p.minhash = sig.tobytes()
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
    other_shingles = [(cid, shingles(text)) for cid, text in group_chunks(db, p.article.group, p.article.id)]
    out = {}
    for c in p.chunks:
        mine = shingles(c.text)
        best = max(other_shingles, key=lambda o: jaccard(mine, o[1]), default=None)
        if best and jaccard(mine, best[1]) >= CHUNK_THRESHOLD:
            out[c.id] = best[0]
    return out
