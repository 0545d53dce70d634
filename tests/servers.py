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


# Debian's PostgreSQL server binaries, the newest version installed (`apt-get install postgresql`; scripts/test.sh
# installs it where missing).
POSTGRES_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name),
                   default=Path("/usr/lib/postgresql/15/bin"))
POSTGRES_USER = "pgtest"  # PostgreSQL refuses to run as root; tests often are root


@dataclass(frozen=True)
class PostgresServer:
    """A running PostgreSQL: superuser `rag` with `password` over TCP on loopback `port`.

        url = server.new_database("t1")        # postgresql://rag:…@127.0.0.1:PORT/t1, an empty database
    """

    port: int
    password: str
    log: Path

    def url(self, database: str, password: str | None = None) -> str:
        return f"postgresql://rag:{self.password if password is None else password}@127.0.0.1:{self.port}/{database}"

    def new_database(self, name: str) -> str:
        """Create the empty database `name` (dropped first if there) and return its URL."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_postgres_user(cmd: Sequence[str], log_path: Path) -> None:
    """Run a PostgreSQL program as the unprivileged POSTGRES_USER (as root) or as ourselves (otherwise)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", POSTGRES_USER, "--", *cmd]
    with open(log_path, "a") as log:
        done = subprocess.run(list(cmd), stdout=log, stderr=subprocess.STDOUT)
    if done.returncode:
        pytest.fail(f"{' '.join(cmd)} failed:\n{log_path.read_text()[-3000:]}")


@contextmanager
def postgres_running(work: Path, port: int, *, durable: bool = False) -> Iterator[PostgresServer]:
    """`initdb` a cluster in `work` and run it on loopback `port` (socket in `work` too) until the block ends.
    Password authentication over TCP, so a wrong password is refused as on a real server. Without `durable`
    nothing is flushed to disk (`fsync=off`: a test's data need not survive a crash); benchmarks ask for the
    flushes a deployment has.

        with postgres_running(tmp / "pg", free_port()) as server:
            Settings.load(environ={}, overrides={"database_url": server.new_database("lib")})
    """
    if not (POSTGRES_BIN / "initdb").is_file():
        pytest.fail(f"PostgreSQL is not installed (no {POSTGRES_BIN}/initdb): apt-get install postgresql "
                    "(scripts/test.sh does)")
    if os.geteuid() == 0 and subprocess.run(["id", POSTGRES_USER], capture_output=True).returncode:
        subprocess.run(["useradd", "-r", "-M", POSTGRES_USER], check=True)
    work.mkdir(parents=True, exist_ok=True)
    password = "pw-" + os.urandom(6).hex()
    (work / "pw").write_text(password + "\n")
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", POSTGRES_USER, str(work)], check=True)
        work.chmod(0o700)
    data, log = work / "data", work / "server.log"
    _as_postgres_user([str(POSTGRES_BIN / "initdb"), "-D", str(data), "-U", "rag", f"--pwfile={work / 'pw'}",
                       "--auth-local=trust", "--auth-host=scram-sha-256", "--no-locale", "-E", "UTF8"],
                      work / "initdb.log")
    _as_postgres_user([str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(log), "-o",
                       f"-p {port} -k {work} -c listen_addresses=127.0.0.1" + ("" if durable else " -c fsync=off"),
                       "start"],
                      work / "pg_ctl.log")
    try:
        yield PostgresServer(port, password, log)
    finally:
        _as_postgres_user([str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], work / "pg_ctl.log")


@contextmanager
def standby_running(primary: PostgresServer, work: Path, port: int) -> Iterator[PostgresServer]:
    """A hot-standby replica of `primary` on loopback `port` until the block ends: a base backup taken with
    `pg_basebackup -R -X stream --checkpoint=fast` (it then follows the primary's WAL), started read-only, as a deployment's read
    replica. Its `url(database)` reads the primary's databases; it creates none.

        with standby_running(server, tmp / "standby", free_port()) as replica:
            Settings.load(environ={}, overrides={"database_url": replica.url("lib")})
    """
    work.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", POSTGRES_USER, str(work)], check=True)
        work.chmod(0o700)
    data, log = work / "data", work / "server.log"
    _as_postgres_user(["env", f"PGPASSWORD={primary.password}", str(POSTGRES_BIN / "pg_basebackup"), "-h",
                       "127.0.0.1", "-p", str(primary.port), "-U", "rag", "-D", str(data), "-R", "-X", "stream",
                       "--checkpoint=fast"],  # a spread checkpoint first took 95 s of an idle test server
                      work / "basebackup.log")
    _as_postgres_user([str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(log), "-o",
                       f"-p {port} -k {work} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                      work / "pg_ctl.log")
    try:
        yield PostgresServer(port, primary.password, log)
    finally:
        _as_postgres_user([str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], work / "pg_ctl.log")
