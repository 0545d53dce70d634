"""`/api/v1/users` against a real `rag serve`: admins add users, create their keys and remove them; no other
role may; a new user's key works at once, a removed user's stops; nothing in clear in the log or the database."""

from __future__ import annotations

import httpx
import pytest

from rag.accounts import Accounts

pytestmark = pytest.mark.e2e

PASSWORD = "a long passphrase for cleo"


def _client(server, key: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def test_an_admin_manages_users_and_keys(signed_in_server):
    with _client(signed_in_server, signed_in_server.keys["admin"]) as admin:
        made = admin.post("/api/v1/users", json={"name": "cleo", "role": "editor", "password": PASSWORD})
        assert made.status_code == 201 and made.json()["role"] == "editor"
        again = admin.post("/api/v1/users", json={"name": "cleo", "role": "editor", "password": PASSWORD})
        assert again.status_code == 409 and "already" in again.json()["error"]["message"]
        bad = admin.post("/api/v1/users", json={"name": "dee", "role": "owner", "password": PASSWORD})
        assert bad.status_code == 422 and "role must be" in bad.json()["error"]["message"]
        assert ("cleo", "editor") in {(u["name"], u["role"]) for u in admin.get("/api/v1/users").json()}
        key = admin.post("/api/v1/users/cleo/keys").json()["key"]
        with _client(signed_in_server, key) as cleo:
            assert cleo.get("/api/v1/stats").status_code == 200
            assert admin.delete("/api/v1/users/cleo").json() == {"removed": "cleo"}
            assert cleo.get("/api/v1/stats").status_code == 401
        assert admin.delete("/api/v1/users/cleo").status_code == 404
    log = [(e.actor, e.action, e.target) for e in Accounts(signed_in_server.settings.index_dir).audit_log()]
    assert ("admin", "user add", "cleo (editor)") in log and ("admin", "user remove", "cleo") in log
    stored = b"".join(p.read_bytes() for p in signed_in_server.settings.index_dir.glob("*.sqlite*"))
    logged = signed_in_server.log.read_bytes()
    for secret in (key, PASSWORD):
        assert secret.encode() not in stored and secret.encode() not in logged


@pytest.mark.parametrize("who", ["reader", "editor"])
def test_only_admins_manage_users(signed_in_server, who):
    before = Accounts(signed_in_server.settings.index_dir).users()
    with _client(signed_in_server, signed_in_server.keys[who]) as http:
        for got in (http.get("/api/v1/users"),
                    http.post("/api/v1/users", json={"name": "eve", "role": "admin", "password": PASSWORD}),
                    http.delete("/api/v1/users/admin"), http.post("/api/v1/users/admin/keys")):
            assert got.status_code == 403 and "may not manage users" in got.json()["error"]["message"]
    assert Accounts(signed_in_server.settings.index_dir).users() == before
