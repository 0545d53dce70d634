"""Who may use a library: users with roles, their API keys, their conversations, and the audit log.

    >>> from rag.accounts import Accounts
    >>> accounts = Accounts(".rag/index")
    >>> accounts.add_user("ada", "editor", "a long passphrase", actor="root")
    >>> key = accounts.create_key("ada", actor="root")       # shown once; only its sha256 is kept
    >>> accounts.user_for_key(key).can("remove")
    True
    >>> accounts.check_password("ada", "wrong")             # None: refused
    >>> accounts.audit_log()[-1].action
    'key create'

The accounts live in `<index_dir>/accounts.sqlite`, beside the library's `library.sqlite` and in the same
folder, so one `--index` names both. They are a file of their own because `rag index --rebuild` swaps
`library.sqlite` for a freshly built one (`index.rebuild`): in that file every user, key and conversation
would be lost on a rebuild. This module is the one home of the accounts' SQL.

Passwords are kept as salted scrypt hashes (hashlib's, the standard library's KDF) with OWASP's parameters
(N=2^17, r=8, p=1: 0.6 s and 128 MB a check on this project's 2-core machines, measured); API keys are 256
random bits, so a plain sha256 of the key is enough to make the stored value useless to a reader of the file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterator

from rag.store import open_sqlite

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
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations(
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    title TEXT NOT NULL,
    messages TEXT NOT NULL,           -- JSON, as the chat shows them
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations(user, updated_at);
CREATE TABLE IF NOT EXISTS audit(
    at REAL NOT NULL,
    actor TEXT NOT NULL,              -- who did it: a user's name, or where an unsigned request came from
    action TEXT NOT NULL,             -- "user add", "article remove", ...
    target TEXT NOT NULL
);
"""


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
    """The users, keys, conversations and audit log of the library at `index_dir`; thread-safe."""

    def __init__(self, index_dir: Path | str):
        self.path = Path(index_dir) / "accounts.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._db().executescript(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = open_sqlite(self.path, timeout=30)
            self._local.db = db
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # Users

    def has_users(self) -> bool:
        return self._db().execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def users(self) -> list[User]:
        return [User(r["name"], r["role"], r["created_at"])
                for r in self._db().execute("SELECT name, role, created_at FROM users ORDER BY name")]

    def user(self, name: str) -> User | None:
        r = self._db().execute("SELECT name, role, created_at FROM users WHERE name = ?", (name,)).fetchone()
        return User(r["name"], r["role"], r["created_at"]) if r else None

    def add_user(self, name: str, role: str, password: str, *, actor: str) -> User:
        if not NAME.fullmatch(name or ""):
            raise AccountError(f"a user name is 1 to 64 letters, digits or . _ @ - (starting with a letter or "
                               f"digit), not {name!r}")
        if role not in ROLES:
            raise AccountError(f"the role must be one of {', '.join(ROLES)}, not {role!r}")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
        now = time.time()
        try:
            with self._transaction() as db:
                db.execute("INSERT INTO users(name, role, password, created_at) VALUES (?,?,?,?)",
                           (name, role, _hash_password(password), now))
                self._record(db, actor, "user add", f"{name} ({role})")
        except sqlite3.IntegrityError:
            raise AccountError(f"there is already a user {name!r}") from None
        return User(name, role, now)

    def remove_user(self, name: str, *, actor: str) -> bool:
        """Remove a user with their keys and conversations; False when there was none of that name."""
        with self._transaction() as db:
            gone = db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 1
            if gone:
                self._record(db, actor, "user remove", name)
        return gone

    def check_password(self, name: str, password: str) -> User | None:
        """The user when `password` is theirs, else None (an unknown name takes as long as a wrong password)."""
        r = self._db().execute("SELECT password FROM users WHERE name = ?", (name,)).fetchone()
        stored = r["password"] if r else _unknown_user_hash()
        return self.user(name) if _password_matches(password, stored) and r else None

    # API keys

    def create_key(self, name: str, *, actor: str) -> str:
        """A new API key for user `name`: returned once, only its sha256 is stored."""
        if self.user(name) is None:
            raise AccountError(f"no user {name!r}; add one with: rag user add {name} --role reader")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._transaction() as db:
            db.execute("INSERT INTO api_keys(sha256, prefix, user, created_at) VALUES (?,?,?,?)",
                       (key_digest(key), key[:len(KEY_PREFIX) + 6], name, time.time()))
            self._record(db, actor, "key create", f"{name} {key[:len(KEY_PREFIX) + 6]}…")
        return key

    def user_for_key(self, key: str) -> User | None:
        r = self._db().execute(
            "SELECT u.name, u.role, u.created_at FROM api_keys k JOIN users u ON u.name = k.user WHERE k.sha256 = ?",
            (key_digest(key),)).fetchone()
        return User(r["name"], r["role"], r["created_at"]) if r else None

    # Conversations: every method takes the owner, and touches only that owner's rows.

    def save_conversation(self, user: str, conversation_id: str | None, title: str, messages: object) -> str:
        """Store (or replace) a conversation of `user` (`messages`: any JSON value, as the chat keeps it); its id
        (a new one when `conversation_id` is None or not theirs)."""
        db = self._db()
        now = time.time()
        if conversation_id and db.execute("UPDATE conversations SET title = ?, messages = ?, updated_at = ? "
                                          "WHERE id = ? AND user = ?", (title[:200], json.dumps(messages), now,
                                                                        conversation_id, user)).rowcount:
            return conversation_id
        new_id = secrets.token_hex(8)
        db.execute("INSERT INTO conversations(id, user, title, messages, updated_at) VALUES (?,?,?,?,?)",
                   (new_id, user, title[:200], json.dumps(messages), now))
        return new_id

    def conversations(self, user: str) -> list[ConversationSummary]:
        rows = self._db().execute("SELECT id, title, updated_at FROM conversations WHERE user = ? "
                                  "ORDER BY updated_at DESC", (user,))
        return [ConversationSummary(r["id"], r["title"], r["updated_at"]) for r in rows]

    def conversation(self, user: str, conversation_id: str) -> object | None:
        r = self._db().execute("SELECT messages FROM conversations WHERE id = ? AND user = ?",
                               (conversation_id, user)).fetchone()
        return json.loads(r["messages"]) if r else None

    def delete_conversation(self, user: str, conversation_id: str) -> bool:
        return self._db().execute("DELETE FROM conversations WHERE id = ? AND user = ?",
                                  (conversation_id, user)).rowcount == 1

    # Audit log

    def record(self, actor: str, action: str, target: str) -> None:
        """Log that `actor` did `action` to `target` (e.g. "ada", "article add", an article id)."""
        with self._transaction() as db:
            self._record(db, actor, action, target)

    def audit_log(self, limit: int = 1000) -> list[AuditEntry]:
        """The latest `limit` entries, oldest first."""
        rows = self._db().execute("SELECT at, actor, action, target FROM audit ORDER BY rowid DESC LIMIT ?", (limit,))
        return [AuditEntry(r["at"], r["actor"], r["action"], r["target"]) for r in rows][::-1]

    @staticmethod
    def _record(db: sqlite3.Connection, actor: str, action: str, target: str) -> None:
        db.execute("INSERT INTO audit(at, actor, action, target) VALUES (?,?,?,?)", (time.time(), actor, action, target))


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
