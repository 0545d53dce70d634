"""Every refusal of the API in one JSON shape, OpenAI's, so OpenAI clients show its message:

    {"error": {"message": "one line", "type": "permission_denied", "code": 403}}

No traceback ever reaches a client: a bad request body becomes one line naming the field.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from rag.store import DatabaseReadOnlyError

# The "type" of each status, as OpenAI names them.
TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_denied", 404: "not_found", 409: "conflict",
         413: "request_too_large", 422: "invalid_request_error", 429: "rate_limit_exceeded",
         503: "service_unavailable"}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": TYPES.get(status, "server_error"), "code": status}},
                        status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Answer HTTP errors and invalid bodies of `app`'s own routes in the one shape."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(DatabaseReadOnlyError)
    async def read_only(request: Request, exc: DatabaseReadOnlyError) -> JSONResponse:
        # A host pointed at a read replica answers questions; what would write says where writes go.
        return error_response(503, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        if first.get("type") == "json_invalid":
            return error_response(422, f"the body is not valid JSON ({first.get('ctx', {}).get('error', 'invalid')} "
                                       f"at character {first['loc'][-1]})")
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error_response(422, f"{where}: {first['msg']}" if where else str(first["msg"]))
