"""Client threads that keep asking while another process writes, for the concurrency tests.

    answers = clients_during(writer, 16, lambda k, stop, out: ...)   # per client, what it appended to `out`
"""

from __future__ import annotations

import subprocess
import threading
from typing import Callable

Client = Callable[[int, threading.Event, list], None]  # (client number, stop, its results): loops until stop is set


def clients_during(writer: subprocess.Popen, clients: int, client: Client, timeout: float) -> list[list]:
    """Run `clients` threads of `client` until `writer` exits (killed after `timeout` s); each one's results.
    Every thread must have stopped by the end."""
    stop = threading.Event()
    per_client: list[list] = [[] for _ in range(clients)]
    threads = [threading.Thread(target=client, args=(k, stop, per_client[k]), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    try:
        writer.wait(timeout=timeout)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=300)
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert not any(t.is_alive() for t in threads), "a client did not stop"
    return per_client
