"""Who may use a library: users with roles, their API keys, their conversations, and the audit log.

    >>> from rag.accounts import Accounts
    >>> accounts = Accounts.for_settings(settings)        # where the settings keep the library (below)
    >>> accounts.add_user("ada", "editor", "a long passphrase", actor="root")
    >>> key = accounts.create_key("ada", actor="root")       # shown once; only its sha256 is kept
    >>> accounts.user_for_key(key).can("remove")
    True
    >>> accounts.check_password("ada", "wrong")             # None: refused
    >>> accounts.audit_log()[-1].action
    'key create'

Where they live follows the library (`Accounts.for_settings`):

- library in the index folder (SQLite): `<index_dir>/accounts.sqlite`, beside `library.sqlite`, so one `--index`
  names both. A file of its own because `rag index --rebuild` swaps `library.sqlite` for a freshly built one
  (`index.rebuild`): in that file every user, key and conversation would be lost on a rebuild.
- library in PostgreSQL (`database_url`): tables of their own (`users`, `api_keys`, `conversations`, `audit`) in the
  same database, so every host that shares the library shares its users, keys, conversations and audit log. The
  library's tables are not touched by them, nor they by the library's code.

The tables are made by the first write (a user added, say), not by opening: a reader, on a read replica too, only
reads, and finds no users while there are none. A write to a read-only database (a hot-standby replica) raises
`rag.store.DatabaseReadOnlyError` before anything is written. This module is the one home of the accounts' SQL:
its statements are written once for both backends (`?` placeholders, which the PostgreSQL connection translates;
`"user"` quoted, a reserved word in PostgreSQL); what differs is each backend's schema and the audit log's order.

Passwords are kept as salted scrypt hashes (hashlib's, the standard library's KDF) with OWASP's parameters
(N=2^17, r=8, p=1: 0.6 s and 128 MB a check on this project's 2-core machines, measured), computed before any
transaction opens; API keys are 256 random bits, so a plain sha256 of the key is enough to make the stored value
useless to a reader of the file or the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Iterator

from rag.settings import Settings
from rag.store import SQLiteConnection, open_sqlite

# What each role may do; a new role or action is one row. The server and the chat both ask `User.can`.
ROLES: dict[str, frozenset[str]] = {
    "reader": frozenset({"ask"}),
    "editor": frozenset({"ask", "add", "remove"}),
    "admin": frozenset({"ask", "add", "remove", "manage users"}),
}
KEY_PREFIX = "nrk_"  # how a newsrag API key looks, so a leaked one can be recognised by scanners
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD = 8
# OWASP's scrypt minimum; maxmem must exceed 128 * N * r bytes.
SCRYPT = {"n": 2**17, "r": 8, "p": 1}
SCRYPT_MAXMEM = 256 * 1024 * 1024
# Advisory lock key (any fixed 64-bit number) held while the accounts' tables are made, so hosts starting at once
# do not race.
ACCOUNTS_LOCK = 0x6E65777361636374

SCHEMA = """
CREATE TABLE IF NOT EXISTS users(
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password TEXT NOT NULL,           -- scrypt$n$r$p$salt$hash (base64), never the password
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys(
    sha256 TEXT PRIMARY KEY,          -- of the whole key; the key itself is shown once and not kept
    prefix TEXT NOT NULL,             -- its first characters, to tell a user's keys apart
    "user" TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations(
    id TEXT PRIMARY KEY,
    "user" TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    title TEXT NOT NULL,
    messages TEXT NOT NULL,           -- JSON, as the chat shows them
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations("user", updated_at);
CREATE TABLE IF NOT EXISTS audit(
    at REAL NOT NULL,
    actor TEXT NOT NULL,              -- who did it: a user's name, or where an unsigned request came from
    action TEXT NOT NULL,             -- "user add", "article remove", ...
    target TEXT NOT NULL
);
"""

# The same tables in PostgreSQL: times as DOUBLE PRECISION (its REAL is 4 bytes, a second's resolution lost), and the
# audit log ordered by a sequence (SQLite's by its rowid).
SCHEMA_POSTGRES = """
CREATE TABLE IF NOT EXISTS users(
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys(
    sha256 TEXT PRIMARY KEY,
    prefix TEXT NOT NULL,
    "user" TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS api_keys_user ON api_keys("user");
CREATE TABLE IF NOT EXISTS conversations(
    id TEXT PRIMARY KEY,
    "user" TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    title TEXT NOT NULL,
    messages TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations("user", updated_at);
CREATE TABLE IF NOT EXISTS audit(
    seq BIGSERIAL PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL
);
"""
# Each table with the columns a copy carries (`Accounts.copy_into`), parents first.
TABLES = {
    "users": ("name", "role", "password", "created_at"),
    "api_keys": ("sha256", "prefix", '"user"', "created_at"),
    "conversations": ("id", '"user"', "title", "messages", "updated_at"),
    "audit": ("at", "actor", "action", "target"),
}


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is one line for the user."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_at: float

    def can(self, action: str) -> bool:
        """Whether this user's role allows `action` (a name in ROLES' sets, e.g. "remove")."""
        return action in ROLES.get(self.role, ())


@dataclass(frozen=True)
class ConversationSummary:
    id: str
    title: str
    updated_at: float


@dataclass(frozen=True)
class AuditEntry:
    at: float
    actor: str
    action: str
    target: str


class Accounts:
    """The users, keys, conversations and audit log of one library; thread-safe: SQLite, a connection per thread;
    PostgreSQL, one connection taken in turn (a server's 40 worker threads would otherwise hold 40 connections
    each, and `max_connections` is 100 by default; each use is one or two statements of about a millisecond).

    `Accounts(index_dir)`: in `<index_dir>/accounts.sqlite`; `Accounts(index_dir, database_url=url)`: in that
    PostgreSQL database. Callers use `Accounts.for_settings(settings)`, which picks the one the library is in.
    """

    def __init__(self, index_dir: Path | str, *, database_url: str | None = None):
        self.database_url = database_url
        self.path = None if database_url else Path(index_dir) / "accounts.sqlite"
        self._local = threading.local()
        self._shared = None  # PostgreSQL: the one connection
        self._lock = threading.RLock() if database_url else nullcontext()
        self._ready = False  # the tables are there (checked once found)
        # The audit log's order of insertion: SQLite's rowid, PostgreSQL's sequence.
        self._audit_order = "seq" if database_url else "rowid"

    @classmethod
    def for_settings(cls, settings: Settings) -> "Accounts":
        """The accounts of the library `settings` name: in its PostgreSQL database when `database_url` is set
        (shared by every host), else beside `library.sqlite` in the index folder."""
        return cls(settings.index_dir, database_url=settings.database_url)

    @property
    def place(self) -> str:
        """Where the accounts are, in words (no password)."""
        if self.database_url:
            from rag.store_postgres import masked

            return f"the database {masked(self.database_url)}"
        return str(self.path)

    def _db(self) -> Any:
        """The connection to use (PostgreSQL: with `self._lock` held); a lost one is opened again."""
        if self.database_url:
            if self._shared is None or self._shared.raw.broken or self._shared.raw.closed:
                from rag.store_postgres import PostgresConnection

                self._shared = PostgresConnection(self.database_url)
            return self._shared
        db = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = self._local.db = open_sqlite(self.path, timeout=30, factory=SQLiteConnection)
        return db

    def close(self) -> None:
        """Close the connection (SQLite: this thread's)."""
        with self._lock:
            db = self._shared if self.database_url else getattr(self._local, "db", None)
            if db is not None:
                db.close()
            self._shared = self._local.db = None

    def _present(self) -> bool:
        """Whether the accounts' tables exist, without making them (asked again until they do: another host may
        add the first user)."""
        with self._lock:
            if not self._ready:
                if self.database_url:
                    self._ready = bool(self._db().execute("SELECT to_regclass('audit') IS NOT NULL").fetchone()[0])
                elif self.path.is_file():
                    self._db().executescript(SCHEMA)  # an accounts file from before a table existed gains it
                    self._ready = True
            return self._ready

    def _rows(self, sql: str, params: tuple = ()) -> list:
        """The rows of a read; none while no accounts exist (nothing is created by reading)."""
        with self._lock:
            return self._db().execute(sql, params).fetchall() if self._present() else []

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        """One write transaction, the tables made first if there are none; DatabaseReadOnlyError (nothing
        written) on a read-only database."""
        with self._lock:
            db = self._db()
            if self.database_url:
                from rag.store_postgres import check_writable

                check_writable(db, self.database_url)
            if not self._ready:
                if self.database_url:
                    with db.transaction():
                        db.execute("SELECT pg_advisory_xact_lock(?)", (ACCOUNTS_LOCK,))
                        db.raw.execute(SCHEMA_POSTGRES)
                else:
                    db.executescript(SCHEMA)
                self._ready = True
            with db.transaction():
                yield db

    # Users

    def has_users(self) -> bool:
        return bool(self._rows("SELECT 1 FROM users LIMIT 1"))

    def users(self) -> list[User]:
        return [User(r["name"], r["role"], r["created_at"])
                for r in self._rows("SELECT name, role, created_at FROM users ORDER BY name")]

    def user(self, name: str) -> User | None:
        rows = self._rows("SELECT name, role, created_at FROM users WHERE name = ?", (name,))
        return User(rows[0]["name"], rows[0]["role"], rows[0]["created_at"]) if rows else None

    def add_user(self, name: str, role: str, password: str, *, actor: str) -> User:
        if not NAME.fullmatch(name or ""):
            raise AccountError(f"a user name is 1 to 64 letters, digits or . _ @ - (starting with a letter or "
                               f"digit), not {name!r}")
        if role not in ROLES:
            raise AccountError(f"the role must be one of {', '.join(ROLES)}, not {role!r}")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
        hashed = _hash_password(password)  # 0.6 s: before the transaction, which then holds no lock meanwhile
        now = time.time()
        with self._transaction() as db:
            if db.execute("INSERT INTO users(name, role, password, created_at) VALUES (?,?,?,?) "
                          "ON CONFLICT DO NOTHING", (name, role, hashed, now)).rowcount != 1:
                raise AccountError(f"there is already a user {name!r}")
            self._record(db, actor, "user add", f"{name} ({role})")
        return User(name, role, now)

    def remove_user(self, name: str, *, actor: str) -> bool:
        """Remove a user with their keys and conversations; False when there was none of that name."""
        if not self._present():
            return False
        with self._transaction() as db:
            gone = db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 1
            if gone:
                self._record(db, actor, "user remove", name)
        return gone

    def check_password(self, name: str, password: str) -> User | None:
        """The user when `password` is theirs, else None (an unknown name takes as long as a wrong password)."""
        rows = self._rows("SELECT password FROM users WHERE name = ?", (name,))
        stored = rows[0]["password"] if rows else _unknown_user_hash()
        return self.user(name) if _password_matches(password, stored) and rows else None

    # API keys

    def create_key(self, name: str, *, actor: str) -> str:
        """A new API key for user `name`: returned once, only its sha256 is stored."""
        if self.user(name) is None:
            raise AccountError(f"no user {name!r}; add one with: rag user add {name} --role reader")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._transaction() as db:
            db.execute('INSERT INTO api_keys(sha256, prefix, "user", created_at) VALUES (?,?,?,?)',
                       (key_digest(key), key[:len(KEY_PREFIX) + 6], name, time.time()))
            self._record(db, actor, "key create", f"{name} {key[:len(KEY_PREFIX) + 6]}…")
        return key

    def user_for_key(self, key: str) -> User | None:
        rows = self._rows('SELECT u.name, u.role, u.created_at FROM api_keys k JOIN users u ON u.name = k."user" '
                          "WHERE k.sha256 = ?", (key_digest(key),))
        return User(rows[0]["name"], rows[0]["role"], rows[0]["created_at"]) if rows else None

    # Conversations: every method takes the owner, and touches only that owner's rows.

    def save_conversation(self, user: str, conversation_id: str | None, title: str, messages: object) -> str:
        """Store (or replace) a conversation of `user` (`messages`: any JSON value, as the chat keeps it); its id
        (a new one when `conversation_id` is None or not theirs)."""
        now = time.time()
        with self._transaction() as db:
            if conversation_id and db.execute('UPDATE conversations SET title = ?, messages = ?, updated_at = ? '
                                              'WHERE id = ? AND "user" = ?',
                                              (title[:200], json.dumps(messages), now, conversation_id,
                                               user)).rowcount:
                return conversation_id
            new_id = secrets.token_hex(8)
            db.execute('INSERT INTO conversations(id, "user", title, messages, updated_at) VALUES (?,?,?,?,?)',
                       (new_id, user, title[:200], json.dumps(messages), now))
        return new_id

    def conversations(self, user: str) -> list[ConversationSummary]:
        rows = self._rows('SELECT id, title, updated_at FROM conversations WHERE "user" = ? '
                          "ORDER BY updated_at DESC", (user,))
        return [ConversationSummary(r["id"], r["title"], r["updated_at"]) for r in rows]

    def conversation(self, user: str, conversation_id: str) -> object | None:
        rows = self._rows('SELECT messages FROM conversations WHERE id = ? AND "user" = ?', (conversation_id, user))
        return json.loads(rows[0]["messages"]) if rows else None

    def delete_conversation(self, user: str, conversation_id: str) -> bool:
        if not self._present():
            return False
        with self._transaction() as db:
            return db.execute('DELETE FROM conversations WHERE id = ? AND "user" = ?',
                              (conversation_id, user)).rowcount == 1

    # Audit log

    def record(self, actor: str, action: str, target: str) -> None:
        """Log that `actor` did `action` to `target` (e.g. "ada", "article add", an article id)."""
        with self._transaction() as db:
            self._record(db, actor, action, target)

    def audit_log(self, limit: int = 1000) -> list[AuditEntry]:
        """The latest `limit` entries, oldest first."""
        rows = self._rows(f"SELECT at, actor, action, target FROM audit ORDER BY {self._audit_order} DESC LIMIT ?",
                          (limit,))
        return [AuditEntry(r["at"], r["actor"], r["action"], r["target"]) for r in rows][::-1]

    @staticmethod
    def _record(db: Any, actor: str, action: str, target: str) -> None:
        db.execute("INSERT INTO audit(at, actor, action, target) VALUES (?,?,?,?)", (time.time(), actor, action, target))

    # Moving

    def copy_into(self, target: "Accounts") -> dict[str, tuple[int, int]]:
        """Copy every user, key, conversation and audit entry into `target`, which must hold none (`rag migrate`
        moves them with the library), in one transaction of `target`; (rows here, rows there) per table.
        AccountError when `target` already has users or a count differs (nothing is then written)."""
        if target.has_users():
            raise AccountError(f"{target.place} already has users: the accounts were not copied")
        counts: dict[str, tuple[int, int]] = {}
        with target._transaction() as db:
            for table, columns in TABLES.items():
                rows = [tuple(r) for r in self._rows(f"SELECT {', '.join(columns)} FROM {table} "
                                                     f"ORDER BY {self._audit_order if table == 'audit' else columns[0]}")]
                if rows:
                    db.executemany(f"INSERT INTO {table}({', '.join(columns)}) "
                                   f"VALUES ({', '.join('?' * len(columns))})", rows)
                counts[table] = (len(rows), db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            if differ := [t for t, (a, b) in counts.items() if a != b]:
                raise AccountError(f"the copy of the accounts differs ({', '.join(differ)}): nothing was copied")
        return counts


def key_digest(key: str) -> str:
    """How an API key is stored and named (in rate limits, say): its sha256, never the key."""
    return hashlib.sha256(key.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, maxmem=SCRYPT_MAXMEM, dklen=32, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def _password_matches(password: str, stored: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    found = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                           maxmem=SCRYPT_MAXMEM, dklen=32)
    return hmac.compare_digest(found, base64.b64decode(digest))


@cache
def _unknown_user_hash() -> str:
    """Checked against when the name is unknown, so that a wrong name and a wrong password take the same time."""
    return _hash_password(secrets.token_urlsafe(16))
