"""Rebuild an index beside the old one and swap it in only when it is complete.

`rag index --rebuild` must never leave less than there was: the new index is built in
`<index>/.rebuild/` (with a Chroma server, in the collection `<name>-rebuild`) and takes the old
one's place only once it holds articles. The swap moves the old files to `<index>/.old/`, the
new ones in, and writes the new manifest last: that write is the commit point. `recover` undoes
a swap a crash interrupted before it, and drops an unfinished build.

A library in PostgreSQL (with its vectors on a Chroma server: every host reads both) is built in the schema
`newsrag_rebuild` of the same database (`rag.store_postgres.in_schema`) and the collection `<name>-rebuild`. The
swap is one transaction that drops the old library's tables and moves the new ones in (the accounts' tables stay):
that commit is the commit point, and it records in `meta` that the collections are to be renamed, which is done
next (or by `recover`, after a crash). Readers on other hosts go on answering from the old library until the
commit, and from the new one after it, without a restart.

    >>> target = beside(settings)          # where the new index is built
    >>> start(target)                      # an empty place for it
    >>> ...                                # ingest into `target`
    >>> replace(target, settings)          # or discard(target) to keep the old index
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rag.settings import Settings
from rag.store import carry_feeds, chroma_client, read_manifest, release_chroma, write_manifest

NEW, OLD = ".rebuild", ".old"
MANIFEST = "manifest.json"
# Everything of an index but its manifest (the uploads folder and the lock stay where they are).
DATA = ("library.sqlite", "library.sqlite-wal", "library.sqlite-shm", "chroma")


def beside(settings: Settings) -> Settings:
    """The settings of a new index built next to the one at `settings.index_dir` (or in the database's schema
    `newsrag_rebuild`)."""
    changes: dict = {"index_dir": Path(settings.index_dir) / NEW}
    if settings.chroma_url:
        changes["collection"] = f"{settings.collection}-rebuild"
    if settings.database_url:
        from rag.store_postgres import REBUILD_SCHEMA, in_schema

        changes["database_url"] = in_schema(settings.database_url, REBUILD_SCHEMA)
    return settings.replace(**changes)


def start(target: Settings) -> None:
    """Make the place of a new index empty: in PostgreSQL its schema (an index folder is made by the ingest)."""
    if target.database_url:
        from rag.store_postgres import REBUILD_SCHEMA, fresh_schema

        fresh_schema(target.database_url, REBUILD_SCHEMA)


def discard(target: Settings) -> None:
    """Delete a new index that is not to be used (absent already is fine)."""
    release_chroma(target)
    if target.chroma_url:
        _drop_collection(target, target.collection)
    if target.database_url:
        from rag.store_postgres import REBUILD_SCHEMA, drop_schema

        drop_schema(target.database_url, REBUILD_SCHEMA)
    shutil.rmtree(target.index_dir, ignore_errors=True)


def replace(target: Settings, settings: Settings) -> None:
    """Put the complete index built at `target` in the place of the one at `settings`."""
    if settings.database_url:
        _replace_shared(target, settings)
        return
    index_dir, new_dir, old_dir = Path(settings.index_dir), Path(target.index_dir), Path(settings.index_dir) / OLD
    carry_feeds(index_dir, new_dir)
    manifest = read_manifest(new_dir)
    manifest["collection"] = settings.collection
    release_chroma(settings)
    release_chroma(target)
    shutil.rmtree(old_dir, ignore_errors=True)
    old_dir.mkdir()
    for name in (MANIFEST, *DATA):  # the manifest first: from here to the commit the folder holds no index
        if (index_dir / name).exists():
            (index_dir / name).rename(old_dir / name)
    if settings.chroma_url:
        client = chroma_client(settings)
        _rename_collection(client, settings.collection, f"{settings.collection}-old")
        _rename_collection(client, target.collection, settings.collection)
    for name in DATA:
        if (new_dir / name).exists():
            (new_dir / name).rename(index_dir / name)
    write_manifest(index_dir, manifest)  # the commit point
    if settings.chroma_url:
        _drop_collection(settings, f"{settings.collection}-old")
    shutil.rmtree(old_dir)
    shutil.rmtree(new_dir)


def _replace_shared(target: Settings, settings: Settings) -> None:
    """`replace` for a library in PostgreSQL: the tables swapped in one transaction (the commit point), then the
    collections renamed as the note it leaves says."""
    from rag.store_postgres import REBUILD_SCHEMA, PostgresLibrary, clear_swap_note, swap_in_schema

    manifest = PostgresLibrary.stored_manifest(target.database_url)
    manifest["collection"] = settings.collection
    note = {"collection": settings.collection, "built": target.collection}
    swap_in_schema(settings.database_url, REBUILD_SCHEMA, manifest, note)
    _finish_collections(settings, note)
    clear_swap_note(settings.database_url)
    shutil.rmtree(target.index_dir, ignore_errors=True)


def _finish_collections(settings: Settings, note: dict) -> None:
    """After a committed swap in PostgreSQL: the collection built beside takes the old one's name (again after a
    crash: done already is fine)."""
    client = chroma_client(settings)
    name, built = note["collection"], note["built"]
    if _has_collection(client, built):
        _rename_collection(client, name, f"{name}-old")
        _rename_collection(client, built, name)
    _drop_collection(settings, f"{name}-old")


def _recover_shared(settings: Settings) -> None:
    """`recover` for a library in PostgreSQL: finish a swap that committed, else drop what a build left."""
    from rag.store_postgres import clear_swap_note, swap_note

    note = swap_note(settings.database_url)
    if note:
        _finish_collections(settings, note)
        clear_swap_note(settings.database_url)
    discard(beside(settings))


def recover(settings: Settings) -> None:
    """Undo a swap that stopped before its commit point; drop an unfinished or leftover build."""
    if settings.database_url:
        if settings.chroma_url:
            _recover_shared(settings)
        return
    index_dir, old_dir = Path(settings.index_dir), Path(settings.index_dir) / OLD
    if old_dir.exists():
        committed = (index_dir / MANIFEST).exists()
        if settings.chroma_url:
            client = chroma_client(settings)
            if committed:
                _drop_collection(settings, f"{settings.collection}-old")
            elif _has_collection(client, f"{settings.collection}-old"):
                _drop_collection(settings, settings.collection)
                _rename_collection(client, f"{settings.collection}-old", settings.collection)
        if not committed:
            release_chroma(settings)
            for name in (*DATA, MANIFEST):
                if (old_dir / name).exists():
                    _remove(index_dir / name)
                    (old_dir / name).rename(index_dir / name)
        shutil.rmtree(old_dir)
    if (index_dir / NEW).exists() or settings.chroma_url:
        discard(beside(settings))


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _has_collection(client, name: str) -> bool:
    return name in {c if isinstance(c, str) else c.name for c in client.list_collections()}


def _rename_collection(client, name: str, new_name: str) -> None:
    if _has_collection(client, name):
        client.get_collection(name, embedding_function=None).modify(name=new_name)


def _drop_collection(settings: Settings, name: str) -> None:
    client = chroma_client(settings)
    if _has_collection(client, name):
        client.delete_collection(name)
