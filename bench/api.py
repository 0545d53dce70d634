"""API benchmark: what `POST /api/v1/ask` adds over `query()`, and 16 concurrent API clients.

    .venv/bin/python -m bench.api [--n 100] [--clients 16] [--each 8]

On the seeds index (built here in a temporary folder), in one run:
  query()   `Assistant.query()` in this process, warm (the baseline)
  api       the same questions, one at a time, over HTTP to a real `rag serve` (uvicorn, a Bearer key,
            the rate limits on but out of reach), from an httpx client on the same machine; split into the
            query() inside the server (its Answer's own timing) and what the server adds around it
  load      `--clients` threads, each its own key and httpx client, `--each` questions apiece, all at once:
            errors (anything but 200 with an answer), requests a second, and the latency they saw
Target: api p50 - query() p50 <= 5 ms; 0 errors under load.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from rag.settings import Settings, force_offline

force_offline()

from bench._util import ROOT, percentiles, seed_questions, table, time_each  # noqa: E402
from bench.query import build_seeds_index  # noqa: E402


def start_server(index: Path, port: int, log: Path) -> subprocess.Popen:
    import httpx

    env = dict(os.environ, RAG_API_KEY_RATE="100000/minute", RAG_API_USER_RATE="100000/minute")
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--port", str(port), "--index", str(index)],
                            cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"rag serve exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"rag serve did not start:\n{log.read_text()[-3000:]}")


def load(url: str, keys: list[str], questions: list[str], each: int) -> dict:
    import httpx

    errors: list[str] = []
    ms: list[float] = []
    lock = threading.Lock()

    def client(key: str, offset: int) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as http:
            for i in range(each):
                q = questions[(offset + i) % len(questions)]
                t = time.perf_counter()
                try:
                    r = http.post("/api/v1/ask", json={"question": q})
                    problem = None if r.status_code == 200 and not r.json().get("error") else f"{r.status_code} {r.text[:200]}"
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                with lock:
                    ms.append((time.perf_counter() - t) * 1000)
                    if problem:
                        errors.append(problem)

    threads = [threading.Thread(target=client, args=(k, i)) for i, k in enumerate(keys)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    seconds = time.perf_counter() - t
    return {"errors": errors, "ms": ms, "seconds": seconds, "requests": len(ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100, help="questions timed each way (the seed questions, cycled)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--each", type=int, default=8, help="questions per concurrent client")
    args = parser.parse_args()

    import httpx

    from rag import open_assistant
    from rag.accounts import Accounts
    from tests.servers import free_port

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        index = build_seeds_index(Path(tmp))
        accounts = Accounts(index)
        accounts.add_user("bench", "reader", "bench-password", actor="bench")
        keys = [accounts.create_key("bench", actor="bench") for _ in range(args.clients)]
        questions = seed_questions()
        timed = [questions[i % len(questions)] for i in range(args.n)]

        assistant = open_assistant(Settings.load(environ={}, overrides={"index_dir": str(index)}))
        direct_ms, answers = time_each(assistant.query, timed)
        if any(a.error for a in answers):
            raise SystemExit(f"query() failed: {next(a.error for a in answers if a.error)}")

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start_server(index, port, Path(tmp) / "server.log")
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {keys[0]}"}, timeout=120) as http:
                def ask(q: str) -> dict:
                    r = http.post("/api/v1/ask", json={"question": q})
                    r.raise_for_status()
                    return r.json()

                api_ms, api_answers = time_each(ask, timed)
            same = sum(a["text"] == b.text for a, b in zip(api_answers, answers))
            inside_ms = [a["timings"]["total"] for a in api_answers]
            under_load = load(url, keys, questions, args.each)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    d, a = percentiles(direct_ms, (50, 95)), percentiles(api_ms, (50, 95))
    i = percentiles(inside_ms, (50, 95))
    around = percentiles([w - s for w, s in zip(api_ms, inside_ms)], (50, 95))
    lo = percentiles(under_load["ms"], (50, 95))
    print(f"seeds index, {args.n} questions each way (the {len(questions)} seed questions cycled); "
          f"{same}/{args.n} API answers identical to query()'s\n")
    print(table(["path", "p50 ms", "p95 ms"], [
        ["query() in process", d["p50"], d["p95"]],
        ["POST /api/v1/ask (httpx, loopback)", a["p50"], a["p95"]],
        ["added by the API (api - query())", a["p50"] - d["p50"], a["p95"] - d["p95"]],
        ["query() inside the server (Answer.timings total)", i["p50"], i["p95"]],
        ["around it: HTTP, auth, limits, JSON (per request)", around["p50"], around["p95"]]]))
    print(f"\n{args.clients} concurrent clients x {args.each} questions: {under_load['requests']} requests, "
          f"{len(under_load['errors'])} errors, {under_load['requests'] / under_load['seconds']:.1f} requests/s, "
          f"latency p50 {lo['p50']:.0f} ms, p95 {lo['p95']:.0f} ms")
    for e in under_load["errors"][:5]:
        print(f"  error: {e}")
    print(f"\ntarget: added p50 <= 5 ms: {'met' if a['p50'] - d['p50'] <= 5 else 'MISSED'}; "
          f"0 errors under load: {'met' if not under_load['errors'] else 'MISSED'}")


if __name__ == "__main__":
    main()
