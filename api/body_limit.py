"""A cap on request bodies, per path prefix: 413 before the body is read, nothing changed.

Hand-written because neither Starlette nor uvicorn caps a body (Starlette only bounds multipart parts), and
the cap must hold for chunked uploads too, which carry no Content-Length.

    app.add_middleware(BodyLimit, limits=(("/api/v1/articles", 100_000_000), ("/api/", 1_000_000)))
"""

from __future__ import annotations

from typing import Sequence

from starlette.exceptions import HTTPException

from api.errors import error_response


class _TooLarge(HTTPException):
    """Raised from `receive`; an HTTPException, so FastAPI's body parsing passes it on as a 413."""

    def __init__(self, cap: int):
        super().__init__(413, _message(cap))


class BodyLimit:
    """ASGI middleware: the first of `limits` (path prefix, bytes) whose prefix the path starts with applies."""

    def __init__(self, app, limits: Sequence[tuple[str, int]]):
        self.app = app
        self.limits = tuple(limits)

    async def __call__(self, scope, receive, send):
        cap = next((n for prefix, n in self.limits if scope.get("path", "").startswith(prefix)), None) \
            if scope["type"] == "http" else None
        if cap is None:
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            return await self._refuse(cap, scope, receive, send)
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > cap:
                raise _TooLarge(cap)
            return message

        async def watching_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(cap, scope, receive, send)

    @staticmethod
    async def _refuse(cap: int, scope, receive, send) -> None:
        await error_response(413, _message(cap))(scope, receive, send)


def _message(cap: int) -> str:
    return f"the request body is larger than this route takes ({cap:,} bytes)"
