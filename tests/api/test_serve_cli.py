"""`rag serve`'s start: a network address with no users refuses in one line; `--no-auth` warns at every start."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rag.settings import REPO_ROOT
from tests.servers import free_port

pytestmark = pytest.mark.e2e  # each starts the server's process


def test_a_network_address_without_users_refuses_to_start(tmp_path):
    port = free_port()
    out = subprocess.run([sys.executable, "-m", "rag.cli", "serve", "--host", "0.0.0.0", "--port", str(port),
                          "--index", str(tmp_path)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip() == (
        f"error: refusing to listen on 0.0.0.0 with no users: anyone who can reach it could add and remove "
        f"articles. Add one first: rag user add NAME --role admin --index {tmp_path} "
        "(or pass --no-auth on a trusted network)")


def test_no_auth_warns_before_anything_else(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ui", "--host", "0.0.0.0", "--port", str(port), "--no-auth",
                             "--index", str(tmp_path)], cwd=REPO_ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True)
    try:
        first = proc.stderr.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert first.startswith(f"warning: --no-auth: anyone who can reach 0.0.0.0:{port} may ask, add and remove")
