"""One ASGI app: the HTTP API (FastAPI) with the Gradio chat mounted at `/` by Gradio's own `mount_gradio_app`.

    >>> from api.server import build_server, start
    >>> start(settings)                          # checks, then uvicorn on settings.host:port until Ctrl-C
    >>> app = build_server(settings)             # or run it under any ASGI server

The chat and the API share one `Librarian` (one embedding model, one write lock) and one `Accounts`. When the
library has users the chat asks for a password (Gradio's sign-in, checked against `Accounts`) and the API for a
Bearer key; whether the chat asks is decided when the server starts, so restart it after adding the first user.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import sys
import threading
import time

import anyio
import gradio as gr
import uvicorn
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from rag.accounts import Accounts
from rag.settings import Settings
from ui.app import MAX_FILE_MB, Librarian, build_app, page_options

from api import errors, openai_compat, rest, users
from api.access import Gate
from api.body_limit import BodyLimit

# The first prefix that matches applies. Uploads: five files at the chat's 20 MB a file. Everything else is a
# question and its history: 100 turns of answers with their Markdown sources come to about 200 KB.
BODY_LIMITS = (("/api/v1/articles", 5 * MAX_FILE_MB * 1_000_000), ("/api/", 1_000_000), ("/v1/", 1_000_000))
DESCRIPTION = """Ask your news articles; every answer sentence cites the sentence of the article it comes from.

Send an API key (`rag key create NAME`) as `Authorization: Bearer <key>`. Roles: **reader** asks (`/api/v1/ask`,
`/api/v1/articles` GET, `/api/v1/stats`, `/v1/*`); **editor** also adds and removes articles; **admin** also
manages users and their keys (`/api/v1/users`, or `rag user` and `rag key` on the machine). Refusals are `{"error": {"message", "type", "code"}}` with
401, 403, 404, 409, 413, 422 or 429 (with `Retry-After`).
"""


def startup_problem(settings: Settings, accounts: Accounts, no_auth: bool) -> str | None:
    """Why the server must not start as asked (a network address and nobody to sign in), or None."""
    if no_auth or accounts.has_users() or _is_loopback(settings.host):
        return None
    return (f"refusing to listen on {settings.host} with no users: anyone who can reach it could add and remove "
            f"articles. Add one first: rag user add NAME --role admin --index {settings.index_dir} "
            "(or pass --no-auth on a trusted network)")


def build_server(settings: Settings, *, no_auth: bool = False, accounts: Accounts | None = None) -> FastAPI:
    """The API routes, the docs at /docs and /redoc (served locally), and the chat at /."""
    accounts = accounts or Accounts.for_settings(settings)
    app = FastAPIOffline(title="newsrag", version="1", description=DESCRIPTION,
                         swagger_ui_parameters={"defaultModelsExpandDepth": 0},
                         # FastAPI's own OpenTelemetry instrumentation: off, as all telemetry here
                         telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False})
    errors.install(app)
    app.add_middleware(BodyLimit, limits=BODY_LIMITS)
    app.state.gate = Gate(settings, accounts, no_auth=no_auth)
    app.state.librarian = librarian = Librarian(settings, audit=accounts.record)
    app.include_router(rest.router)
    app.include_router(openai_compat.router)
    app.include_router(users.router)
    sign_in = not no_auth and accounts.has_users()
    chat = build_app(settings, librarian, accounts if sign_in else None)

    async def check_password(name: str, password: str) -> bool:
        # scrypt takes 0.6 s of one core: off the event loop, so other requests go on meanwhile
        return await anyio.to_thread.run_sync(app.state.gate.check_password, name, password)

    return gr.mount_gradio_app(app, chat, path="/", auth=check_password if sign_in else None,
                               auth_message="Sign in to ask your news articles." if sign_in else None,
                               **page_options())


def serve(settings: Settings, *, no_auth: bool = False) -> None:
    """Run the server on settings.host:port (uvicorn) until interrupted; a warning first with `no_auth`."""
    if no_auth:
        print(f"warning: --no-auth: anyone who can reach {settings.host}:{settings.port} may ask, add and remove "
              "articles, and nobody is asked to sign in", file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(build_server(settings, no_auth=no_auth), host=settings.host,
                                           port=settings.port, log_level="info"))
    threading.Thread(target=_say_when_ready, args=(server, settings), daemon=True).start()
    server.run()


def _say_when_ready(server: uvicorn.Server, settings: Settings) -> None:
    while not server.started and not server.should_exit:
        time.sleep(0.1)
    if server.started:
        url = f"http://{settings.host}:{settings.port}/"
        print(f"newsrag chat ready at {url} · API docs at {url}docs · OpenAI-compatible at {url}v1", flush=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def port_problem(host: str, port: int) -> str | None:
    """Why the server cannot listen on host:port (checked before the model loads), or None."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is no clash
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is in use (another chat?); pick another with --port N "
                        f"(bash scripts/app.sh --port N) or RAG_PORT=N")
            return f"cannot listen on {host}:{port} ({exc.strerror})"
    return None


def start(settings: Settings, *, no_auth: bool = False) -> int:
    """What `rag serve` and `python -m ui` do: check the address and the accounts (one line on stderr and exit
    status 1 when the server must not start), then serve until stopped."""
    problem = port_problem(settings.host, settings.port) or startup_problem(
        settings, Accounts.for_settings(settings), no_auth)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    print(f"newsrag chat: index {settings.index_dir}, http://{settings.host}:{settings.port}/", flush=True)
    try:
        serve(settings, no_auth=no_auth)
    except OSError as exc:  # the port was taken while the model loaded
        print(f"error: {port_problem(settings.host, settings.port) or str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    return 0
