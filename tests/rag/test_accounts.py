"""Accounts: roles, salted password hashes, keys shown once and stored hashed, conversations by owner only,
the audit log; and the `rag user` / `rag key` commands."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from rag.accounts import AccountError, Accounts, key_digest
from rag.settings import REPO_ROOT, Settings
from tests.backends import BACKENDS, settings_on

PASSWORD = "correct horse battery"


@pytest.fixture(params=BACKENDS)
def accounts(request, tmp_path) -> Accounts:
    """The accounts of a library in `tmp_path` (SQLite) or in a new PostgreSQL database."""
    return Accounts.for_settings(settings_on(request, tmp_path))


def _all_text(where) -> str:
    """Every value of every table of the SQLite file at `where`, or of the PostgreSQL database of `where`
    (an Accounts), as one string."""
    if isinstance(where, Accounts) and where.database_url:
        import psycopg

        with psycopg.connect(where.database_url) as db:
            tables = [r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            return "\n".join(str(v) for t in tables for row in db.execute(f'SELECT * FROM "{t}"') for v in row)
    db = sqlite3.connect(where.path if isinstance(where, Accounts) else where)
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return "\n".join(str(v) for t in tables for row in db.execute(f"SELECT * FROM {t}") for v in row)


def test_roles_passwords_and_keys(accounts):
    assert not accounts.has_users()
    accounts.add_user("ada", "editor", PASSWORD, actor="root")
    accounts.add_user("bo", "reader", "another secret", actor="root")
    assert accounts.has_users()
    assert [(u.name, u.role) for u in accounts.users()] == [("ada", "editor"), ("bo", "reader")]
    assert accounts.check_password("ada", PASSWORD).role == "editor"
    assert accounts.check_password("ada", "wrong password") is None
    assert accounts.check_password("nobody", PASSWORD) is None
    key = accounts.create_key("bo", actor="root")
    assert key.startswith("nrk_") and len(key) > 40
    bo = accounts.user_for_key(key)
    assert bo.name == "bo" and bo.can("ask") and not bo.can("add") and not bo.can("remove")
    assert accounts.user("ada").can("remove") and not accounts.user("ada").can("manage users")
    assert accounts.user_for_key(key + "x") is None
    stored = _all_text(accounts)
    assert key not in stored and PASSWORD not in stored and "another secret" not in stored
    assert stored.count("scrypt$") == 2 and key_digest(key) in stored


def test_bad_input_is_one_line_and_changes_nothing(accounts):
    accounts.add_user("ada", "admin", PASSWORD, actor="root")
    for args, said in [(("ada", "reader", PASSWORD), "already a user"), (("eve", "owner", PASSWORD), "role must be"),
                       (("eve", "reader", "short"), "at least 8"), (("e ve", "reader", PASSWORD), "user name")]:
        with pytest.raises(AccountError, match=said):
            accounts.add_user(*args, actor="root")
    with pytest.raises(AccountError, match="no user"):
        accounts.create_key("eve", actor="root")
    assert [u.name for u in accounts.users()] == ["ada"]


def test_conversations_belong_to_their_owner(accounts):
    accounts.add_user("ada", "reader", PASSWORD, actor="root")
    accounts.add_user("bo", "reader", PASSWORD, actor="root")
    cid = accounts.save_conversation("ada", None, "Fentanyl", [{"role": "user", "content": "q"}])
    assert [c.id for c in accounts.conversations("ada")] == [cid] and accounts.conversations("bo") == []
    assert accounts.conversation("bo", cid) is None and not accounts.delete_conversation("bo", cid)
    # bo saving "into" ada's id gets a conversation of his own; ada's is untouched
    other = accounts.save_conversation("bo", cid, "Mine", [])
    assert other != cid and accounts.conversation("ada", cid) == [{"role": "user", "content": "q"}]
    assert accounts.save_conversation("ada", cid, "Fentanyl", [{"role": "user", "content": "q2"}]) == cid
    assert accounts.conversation("ada", cid) == [{"role": "user", "content": "q2"}]
    assert accounts.delete_conversation("ada", cid) and accounts.conversations("ada") == []
    accounts.remove_user("bo", actor="root")
    assert accounts.conversation("bo", other) is None


def test_audit_log_names_who(accounts):
    accounts.add_user("ada", "admin", PASSWORD, actor="root")
    accounts.create_key("ada", actor="root")
    accounts.record("ada", "article remove", "abc123")
    accounts.remove_user("ada", actor="root")
    assert [(e.actor, e.action) for e in accounts.audit_log()] == [
        ("root", "user add"), ("root", "key create"), ("ada", "article remove"), ("root", "user remove")]


def _rag(tmp_path, *args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args, "--index", str(tmp_path)], input=stdin,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def test_user_and_key_commands(tmp_path):
    out = _rag(tmp_path, "user", "add", "ada", "--role", "editor", "--password-stdin", stdin=PASSWORD + "\n")
    assert out.returncode == 0 and "added ada (editor)" in out.stdout
    out = _rag(tmp_path, "user", "add", "ada", "--role", "editor", "--password-stdin", stdin=PASSWORD + "\n")
    assert out.returncode == 1 and out.stderr.strip() == "error: there is already a user 'ada'"
    out = _rag(tmp_path, "user", "add", "bo", "--role", "reader")  # no terminal, no --password-stdin
    assert out.returncode == 1 and "--password-stdin" in out.stderr and "Traceback" not in out.stderr
    key = _rag(tmp_path, "key", "create", "ada")
    assert key.returncode == 0 and key.stdout.strip().startswith("nrk_")
    assert Accounts(tmp_path).user_for_key(key.stdout.strip()).name == "ada"
    assert _rag(tmp_path, "user", "list").stdout == "ada\teditor\n"
    assert _rag(tmp_path, "user", "remove", "ada").returncode == 0
    assert _rag(tmp_path, "user", "remove", "ada").returncode == 1
    assert key.stdout.strip() not in _all_text(tmp_path / "accounts.sqlite")


@pytest.mark.e2e
def test_command_line_adds_and_removes_are_in_the_audit_log(tmp_path):
    """The chat and the API log who added or removed an article; so does the command line, once there are users."""
    index = tmp_path / "idx"
    story = tmp_path / "story.txt"
    story.write_text("Harbour council approves pier\n\nThe Wexcombe council approved the new pier on Monday. "
                     "Work begins in spring, the mayor said.", encoding="utf-8")
    assert _rag(index, "user", "add", "ada", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    assert _rag(index, "index", str(story)).returncode == 0
    added = [e for e in Accounts(index).audit_log() if e.action == "article add"]
    assert len(added) == 1 and added[0].actor.endswith("(command line)")
    assert _rag(index, "remove", added[0].target).returncode == 0
    assert [e.target for e in Accounts(index).audit_log() if e.action == "article remove"] == [added[0].target]


@pytest.mark.e2e
def test_accounts_made_on_one_host_sign_in_on_another(postgres_server, tmp_path):
    """With the library in PostgreSQL the accounts are in that database: a user and key made on one host (index
    folder A) sign in on another (index folder B, the same URL), and a removal on B holds on A. Passwords are kept as
    scrypt hashes and keys as sha256 only, in neither folder, and neither reaches the server's log."""
    from fastapi.testclient import TestClient

    from api.server import build_server

    url = postgres_server.new_database("accounts_shared")
    host_a, host_b = tmp_path / "a", tmp_path / "b"
    out = _rag(host_a, "user", "add", "ada", "--role", "admin", "--password-stdin", "--database-url", url,
               stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    made = _rag(host_a, "key", "create", "ada", "--database-url", url)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert _rag(host_b, "user", "list", "--database-url", url).stdout == "ada\tadmin\n"
    settings_b = Settings.load(environ={}, overrides={"index_dir": str(host_b), "database_url": url})
    on_b = Accounts.for_settings(settings_b)
    assert on_b.user_for_key(key).name == "ada" and on_b.check_password("ada", PASSWORD).role == "admin"
    assert on_b.check_password("ada", "wrong password") is None and on_b.user_for_key(key + "x") is None
    with TestClient(build_server(settings_b)) as http:  # host B's server (no library yet: no model is loaded)
        listed = http.get("/api/v1/users", headers={"Authorization": f"Bearer {key}"})
        assert listed.status_code == 200 and [u["name"] for u in listed.json()] == ["ada"], listed.text
        assert http.get("/api/v1/users", headers={"Authorization": f"Bearer {key}x"}).status_code == 401
    assert [e.action for e in on_b.audit_log()] == ["user add", "key create"]

    stored = _all_text(on_b)
    assert stored.count("scrypt$") == 1 and key_digest(key) in stored
    assert PASSWORD not in stored and key not in stored
    assert not (host_a / "accounts.sqlite").exists() and not (host_b / "accounts.sqlite").exists()
    assert PASSWORD not in postgres_server.log.read_text() and key not in postgres_server.log.read_text()

    assert _rag(host_b, "user", "remove", "ada", "--database-url", url).returncode == 0
    settings_a = settings_b.replace(index_dir=host_a)
    assert Accounts.for_settings(settings_a).user_for_key(key) is None and not Accounts.for_settings(
        settings_a).has_users()


@pytest.mark.e2e
def test_threads_take_turns_on_one_postgresql_connection(postgres_server, tmp_path):
    """A server's worker threads use the accounts at once: every write and read is whole, and the database sees one
    connection for them, not one per thread."""
    from concurrent.futures import ThreadPoolExecutor

    import psycopg

    url = postgres_server.new_database("accounts_threads")
    accounts = Accounts(tmp_path, database_url=url)
    accounts.add_user("ada", "reader", PASSWORD, actor="root")
    key = accounts.create_key("ada", actor="root")

    def chat(i: int) -> None:
        for j in range(10):
            cid = accounts.save_conversation("ada", None, f"t{i}-{j}", [i, j])
            assert accounts.user_for_key(key).name == "ada" and accounts.conversation("ada", cid) == [i, j]

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(chat, range(8)))
    assert len(accounts.conversations("ada")) == 80
    with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as admin:
        sessions = admin.execute("SELECT state FROM pg_stat_activity WHERE datname = 'accounts_threads'").fetchall()
    assert sessions == [("idle",)], sessions
