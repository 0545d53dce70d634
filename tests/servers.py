"""Start a real server process for a test and stop it afterwards.

    with running([sys.executable, "-m", "ui", "--port", str(port)], ready_url=url, log_path=tmp / "log") as proc:
        ...   # the server answered 200 at ready_url
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(cmd: Sequence[str], *, ready_url: str, log_path: Path, timeout: float = 180,
            cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """Run `cmd` until `ready_url` answers 200 (failing the test with the log's tail otherwise); stop it on exit."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{cmd[0]} exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(ready_url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{' '.join(cmd[:3])} did not answer within {timeout:.0f} s:\n"
                            f"{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class ChromaServer:
    """A running `chroma run` server: `url` goes into `Settings(chroma_url=...)`."""

    url: str
    path: Path  # the server's own data folder
    log: Path


@contextmanager
def chroma_running(data: Path, port: int, log_path: Path) -> Iterator[ChromaServer]:
    """`chroma run` (the chromadb package's server) on loopback `port`, keeping its data in `data`, until the block
    ends. Started again on the same port with an empty `data`, it is a server that lost its vectors.

        with chroma_running(tmp / "data", free_port(), tmp / "chroma.log") as server:
            Settings.load(environ={}, overrides={"index_dir": ..., "chroma_url": server.url})
    """
    url = f"http://127.0.0.1:{port}"
    # The Rust server only exports OpenTelemetry when told where to; keep any inherited endpoint out.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env["ANONYMIZED_TELEMETRY"] = "False"
    cmd = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(data),
           "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, ready_url=url + "/api/v2/heartbeat", log_path=log_path, timeout=60, cwd=log_path.parent,
                 env=env):
        yield ChromaServer(url, data, log_path)
