"""`rag migrate --to postgresql://…`: copy an embedded library (the index folder's SQLite) into PostgreSQL.

Nothing is embedded again: the vectors stay where they are (the index folder's `chroma/`, or the Chroma server),
and their ids are the chunk ids copied here. Every table is copied in one transaction, the keyword index is
built from the copied chunks, the manifest goes into the database's `meta`; the row counts of both sides are
compared before the commit, so a copy that differs leaves the database as it was. The index folder's accounts
(`accounts.sqlite`: users, API keys, conversations, the audit log) are copied next, in a transaction of their own,
so that every host of the shared library has them (`rag.accounts`).

    >>> report = migrate(settings, "postgresql://rag@db.newsroom:5432/news")
    >>> print(report.table())
    articles      609 → 609
    ...
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

from index.pipeline import IngestBusyError
from rag.accounts import Accounts
from rag.settings import Settings
from rag.store import (LIBRARY_TABLES, IndexMismatchError, IndexNotFoundError, Library, count_rows, insert_rows,
                       keyword_sources, table_rows, writer_lock)

# Rows read and written at once: a few MB of article text at most. Not measured.
BATCH = 2000


@dataclass
class MigrationReport:
    """Rows per table on both sides (source, target), and where the library went."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    target: str = ""

    def table(self) -> str:
        return "\n".join(f"{name:<14}{src:>9,} → {dst:,}" for name, (src, dst) in self.counts.items())


def define_migrate(p: argparse.ArgumentParser) -> None:
    """copy the index folder's library into PostgreSQL (the vectors stay where they are)"""
    p.add_argument("--to", required=True, metavar="URL", help="the PostgreSQL database to copy into: "
                   "postgresql://user:password@host:5432/db (an empty one)")
    p.set_defaults(handler=run_migrate)


def run_migrate(args, settings: Settings) -> int:
    try:
        report = migrate(settings, args.to)
    except IngestBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.table())
    vectors = f"on {settings.chroma_url}" if settings.chroma_url else f"in {settings.index_dir}/chroma"
    print(f"copied into {report.target}; the vectors stay {vectors}. Use it with --database-url "
          "(RAG_DATABASE_URL)" + ("" if settings.chroma_url else f" and --index {settings.index_dir}"))
    return 0


def migrate(settings: Settings, url: str) -> MigrationReport:
    """Copy the library at `settings.index_dir` into the empty PostgreSQL database at `url`; see the module
    docstring. IndexMismatchError when the database already holds a library or a count differs."""
    from rag.store_postgres import PostgresLibrary

    embedded = settings.replace(database_url=None)
    shared = settings.replace(database_url=url)
    source = Library(settings.index_dir)  # IndexNotFoundError when there is none
    manifest = source.manifest()
    if manifest is None:
        raise IndexNotFoundError(f"no index at {settings.index_dir}: build one with `rag index PATH...`")
    # No ingest may change the source while it is read, nor write to the target while it fills.
    with writer_lock(embedded, wait=False, busy=IngestBusyError), writer_lock(shared, wait=False, busy=IngestBusyError):
        target = PostgresLibrary(url, create=True)
        src, dst = source.connect(), target.connect()
        if target.manifest() is not None or count_rows(dst, "articles"):
            raise IndexMismatchError(f"the database {target.place} already holds a library: migrate into an "
                                     "empty database")
        accounts, shared_accounts = Accounts.for_settings(embedded), Accounts.for_settings(shared)
        if accounts.has_users() and shared_accounts.has_users():
            raise IndexMismatchError(f"the database {target.place} already has users: migrate into an empty "
                                     "database")
        report = MigrationReport(target=target.place)
        with dst.transaction():
            for table in LIBRARY_TABLES:
                for rows in table_rows(src, table, BATCH):
                    insert_rows(dst, table, rows)
                    if table == "chunks":
                        dst.index_keywords(keyword_sources(dst, [r[0] for r in rows]))
            dst.restart_rowids()
            target.save_manifest(manifest)
            report.counts = {t: (count_rows(src, t), count_rows(dst, t)) for t in LIBRARY_TABLES}
            report.counts["keyword index"] = (count_rows(src, "chunks_fts"), count_rows(dst, "keyword_docs"))
            if differ := [t for t, (a, b) in report.counts.items() if a != b]:
                counts = ", ".join(f"{t} {report.counts[t][0]} here, {report.counts[t][1]} there" for t in differ)
                raise IndexMismatchError(f"the copy differs ({counts}); nothing was written to the database")
        dst.refresh_statistics()
        if accounts.has_users():  # the users, keys, conversations and audit log go with the library
            report.counts.update(accounts.copy_into(shared_accounts))
    return report
