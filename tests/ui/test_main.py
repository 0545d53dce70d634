"""`rag ui` and `python -m ui` on a port that is taken: one line saying so and how to pick another, no traceback."""

from __future__ import annotations

import socket
import subprocess
import sys

from rag.cli import main
from rag.settings import REPO_ROOT

TAKEN = ("error: port {port} on 127.0.0.1 is in use (another chat?); pick another with "
         "--port N (bash scripts/app.sh --port N) or RAG_PORT=N")


def _taken_port() -> socket.socket:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    return taken


def test_python_m_ui_on_a_taken_port_is_one_line_with_the_way_out(tmp_path):
    with _taken_port() as taken:
        port = taken.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "ui", "--port", str(port), "--index", str(tmp_path / "idx")],
                             cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert out.stderr.strip() == TAKEN.format(port=port)


def test_rag_ui_says_the_same_before_loading_anything(tmp_path, capsys):
    with _taken_port() as taken:
        port = taken.getsockname()[1]
        assert main(["ui", "--port", str(port), "--index", str(tmp_path / "idx")]) == 1
    assert capsys.readouterr().err.strip() == TAKEN.format(port=port)
