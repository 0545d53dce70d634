"""Rebuild an index beside the old one and swap it in only when it is complete.

`rag index --rebuild` must never leave less than there was: the new index is built in
`<index>/.rebuild/` (with a Chroma server, in the collection `<name>-rebuild`) and takes the old
one's place only once it holds articles. The swap moves the old files to `<index>/.old/`, the
new ones in, and writes the new manifest last: that write is the commit point. `recover` undoes
a swap a crash interrupted before it, and drops an unfinished build.

    >>> target = beside(settings)          # where the new index is built
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
    """The settings of a new index built next to the one at `settings.index_dir`."""
    changes: dict = {"index_dir": Path(settings.index_dir) / NEW}
    if settings.chroma_url:
        changes["collection"] = f"{settings.collection}-rebuild"
    return settings.replace(**changes)


def discard(target: Settings) -> None:
    """Delete a new index that is not to be used (absent already is fine)."""
    release_chroma(target)
    if target.chroma_url:
        _drop_collection(target, target.collection)
    shutil.rmtree(target.index_dir, ignore_errors=True)


def replace(target: Settings, settings: Settings) -> None:
    """Put the complete index built at `target` in the place of the one at `settings`."""
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


def recover(settings: Settings) -> None:
    """Undo a swap that stopped before its commit point; drop an unfinished or leftover build."""
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
