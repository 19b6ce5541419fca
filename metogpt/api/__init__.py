"""The REST surface: a FastAPI app that Reflex mounts itself under (api_transformer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from metogpt.api import (
    account,
    admin,
    answers,
    auth,
    conversations,
    files,
    keys,
    payments,
    presets,
    v1,
)
from metogpt.api.schemas import ErrorOut
from metogpt.api.share_gate import ShareGate
from metogpt.services.errors import ErrorCode, RateLimited, ServiceError
from metogpt.services.travel import imports

MAX_BODY = 1_000_000
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 413, 422, 429)
}
_HTTP_CODES = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.INVALID,
    429: ErrorCode.RATE_LIMITED,
}


def _error(
    status: int, code: ErrorCode, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


async def _service_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return _error(exc.status, exc.code, exc.message, headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    message = str(first.get("msg", "invalid request"))
    return _error(422, ErrorCode.INVALID, f"{where}: {message}" if where else message)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    # Keep the exception's headers: a 405 must carry `Allow` (RFC 9110).
    return _error(
        exc.status_code,
        _HTTP_CODES.get(exc.status_code, ErrorCode.BAD_REQUEST),
        str(exc.detail),
        dict(exc.headers) if exc.headers else None,
    )


def _body_limit(path: str) -> int:
    """An import file may be far larger than any other body (with room for the multipart
    envelope); the import service refuses a file over its own limit with a clear message.
    So may an upload (api/files.py)."""
    if path == conversations.IMPORT_PATH:
        return imports.limit_bytes() + 64 * 1024
    return files.body_limit() if path == "/api/files" else MAX_BODY


class BodyLimit:
    """Refuse bodies over MAX_BODY before anything reads them (a 10 MB body gets a 413)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            return await self.app(scope, receive, send)
        limit = _body_limit(scope["path"])
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await _too_large(scope["path"], limit)(scope, receive, send)
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, "request body too large")
            return message

        await self.app(scope, limited, send)


class ImmutableAssets:
    """Vite names every file under /assets/ after its content (a new build, new names), so a
    browser may keep them for a year without asking again: without this each page load
    revalidated its ~20 scripts and stylesheets, one round trip each, before the app ran."""

    HEADER = (b"cache-control", b"public, max-age=31536000, immutable")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/assets/"):
            return await self.app(scope, receive, send)

        async def send_cacheable(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                kept = [h for h in message.get("headers", []) if h[0].lower() != self.HEADER[0]]
                message = {**message, "headers": [*kept, self.HEADER]}
            await send(message)

        await self.app(scope, receive, send_cacheable)


_CATCH_ALL = "/api/{rest:path}"
_ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "QUERY")


def _allowed_methods(api: FastAPI, scope: Scope) -> list[str]:
    """The methods the routes before the catch-all serve on this path (none: the path is
    unknown). Only those: Reflex mounts its own app after it, at "", and that mount matches
    every path with every method. Probes each method through the routes' own `matches`."""
    routes = api.router.routes
    ours = routes[: next(i for i, r in enumerate(routes) if getattr(r, "path", "") == _CATCH_ALL)]
    return [
        method
        for method in _ALL_METHODS
        if any(r.matches({**scope, "method": method})[0] == Match.FULL for r in ours)
    ]


def _too_large(path: str, limit: int) -> JSONResponse:
    if path == conversations.IMPORT_PATH:
        limit = imports.limit_bytes()
        return _error(413, ErrorCode.IMPORT_TOO_LARGE, f"the file is larger than {limit} bytes")
    return _error(413, ErrorCode.TOO_LARGE, f"request body larger than {limit} bytes")


class _Api(FastAPI):
    """FastAPI, with its two hot paths served before its middleware stack (Starlette's
    error and exception layers, FastAPI's telemetry and body limit, CORS, ours, the router):
    /v1 (api/v1.py) and an answer's stream (api/answers.py). Each is plain ASGI and answers
    its own errors; Reflex's top app still runs before them in production."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["path"].startswith(v1.PREFIX):
                return await v1.serve(scope, receive, send)
            stream = answers.claimed(scope)
            if stream is not None:
                return await answers.serve(receive, send, *stream)
        await super().__call__(scope, receive, send)


def build_api() -> FastAPI:
    api = _Api(
        title="MetoGPT API",
        version="1.0",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        responses=_ERRORS,
    )
    api.add_exception_handler(ServiceError, _service_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(HTTPException, _http_error)
    api.include_router(auth.router)
    api.include_router(admin.router)
    api.include_router(payments.router)
    api.include_router(account.router)
    api.include_router(keys.router)
    api.include_router(files.router)
    api.include_router(conversations.router)
    api.include_router(answers.router)
    api.include_router(presets.router)
    assets = Path(swagger_ui_bundle.swagger_ui_path)
    api.mount("/api/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @api.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="MetoGPT API",
            swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs-assets/swagger-ui.css",
            swagger_favicon_url="/api/docs-assets/favicon-32x32.png",
        )

    @api.get("/api/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # Reflex is mounted under this app: without a catch-all, an unknown /api/ path would get
    # the web app's HTML. It takes every method so that a known path asked with the wrong
    # method gets one 405 listing all the methods the path supports, not a 404.
    @api.api_route(_CATCH_ALL, methods=list(_ALL_METHODS), include_in_schema=False)
    def unknown(rest: str, request: Request) -> JSONResponse:
        allowed = _allowed_methods(api, request.scope)
        if allowed:
            return _error(
                405,
                ErrorCode.METHOD_NOT_ALLOWED,
                f"{request.method} is not allowed here; use {', '.join(allowed)}",
                {"Allow": ", ".join(allowed)},
            )
        return _error(404, ErrorCode.NOT_FOUND, f"no such endpoint: /api/{rest[:100]}")

    api.add_middleware(BodyLimit)
    api.add_middleware(ImmutableAssets)
    api.add_middleware(ShareGate)
    return api
