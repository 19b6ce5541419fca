"""/v1: the OpenAI-compatible API for personal keys (services/gateway). Not in the
/api OpenAPI document: its contract is OpenAI's. Errors in OpenAI's shape."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from metogpt.services.errors import ServiceError
from metogpt.services.gateway import relay, tickets
from metogpt.services.gateway.errors import GatewayError, from_service

router = APIRouter(prefix="/v1", include_in_schema=False)


def _secret(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _error(exc: GatewayError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())


@router.get("/models")
def list_models(request: Request) -> Response:
    try:
        names = tickets.models(_secret(request))
    except ServiceError as exc:
        return _error(from_service(exc))
    data = [{"id": m, "object": "model", "created": 0, "owned_by": "metogpt"} for m in names]
    return JSONResponse({"object": "list", "data": data})


@router.post("/chat/completions")
async def chat_completions(request: Request) -> Response:
    try:
        call, ticket, upstream = await relay.open_call(_secret(request), await request.body())
        if call.stream:
            return StreamingResponse(
                relay.stream(call, ticket, upstream),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        return JSONResponse(await relay.complete(call, ticket, upstream))
    except GatewayError as exc:
        return _error(exc)


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> JSONResponse:
    return _error(GatewayError(404, f"no such endpoint: /v1/{rest[:100]}"))
