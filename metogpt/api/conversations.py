"""/api/conversations and /api/shares: the caller's conversations as a list, archive,
export (one as JSON or Markdown, all as one streamed JSON), import, share links."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse

from metogpt.api.deps import ActorDep
from metogpt.api.schemas.travel import (
    ConversationOut,
    ConversationsOut,
    ImportOut,
    ShareOut,
    SharesOut,
    SkippedOut,
)
from metogpt.services.db import read_session, write_session
from metogpt.services.travel import export, imports, library, shares
from metogpt.settings import settings

router = APIRouter(tags=["conversations"])
ConversationId = Annotated[str, Path(max_length=32)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
IMPORT_PATH = "/api/conversations/import"


def _filename(title: str, ext: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", title).strip("-.")[:60] or "conversation"
    return f'attachment; filename="{stem}.{ext}"'


def _base_url(request: Request) -> str:
    return settings.public_url or str(request.base_url)


@router.get("/api/conversations", response_model=ConversationsOut)
def list_conversations(
    actor: ActorDep,
    limit: Limit = 50,
    offset: Offset = 0,
    archived: Annotated[bool | None, Query(description="only archived (true) or not")] = None,
) -> ConversationsOut:
    """Your conversations, most recently updated first."""
    with read_session() as session:
        page = library.page(session, actor, archived=archived, limit=limit, offset=offset)
    return ConversationsOut(
        rows=[ConversationOut.of(c) for c in page.conversations], total=page.total
    )


@router.get(
    "/api/conversations/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/json": {}}, "description": "a MetoGPT export"}},
)
def export_all(actor: ActorDep) -> StreamingResponse:
    """All your conversations, every branch, as one MetoGPT JSON document, streamed."""
    return StreamingResponse(
        export.stream_all(actor),
        media_type="application/json",
        headers={"Content-Disposition": _filename("metogpt-conversations", "json")},
    )


@router.post(IMPORT_PATH, response_model=ImportOut)
def import_conversations(
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="a MetoGPT, LibreChat or ChatGPT export")],
) -> ImportOut:
    """Import a file (format detected): validated whole first, then all or nothing;
    imported conversations are marked imported and never billed."""
    data = file.file.read(imports.limit_bytes() + 1)
    with write_session() as session:
        report = imports.run(session, actor, data)
    return ImportOut(
        format=report.format,
        imported=len(report.imported),
        conversations=report.imported,
        skipped=[SkippedOut(title=t, reason=r) for t, r in report.skipped],
    )


@router.get(
    "/api/conversations/{conversationId}/export",
    responses={200: {"content": {"application/json": {}, "text/markdown": {}}}},
)
def export_one(
    conversationId: ConversationId,
    actor: ActorDep,
    format: Annotated[Literal["json", "md"], Query()] = "json",
) -> Response:
    """One conversation: `json`, every branch with models, tokens and charges; `md`, the
    branch on screen as Markdown."""
    with read_session() as session:
        if format == "md":
            text, title = export.as_markdown(session, actor, conversationId)
            return Response(
                text,
                media_type="text/markdown; charset=utf-8",
                headers={"Content-Disposition": _filename(title, "md")},
            )
        doc = export.as_json(session, actor, conversationId)
    return JSONResponse(
        doc, headers={"Content-Disposition": _filename(doc["conversations"][0]["title"], "json")}
    )


@router.post("/api/conversations/{conversationId}/archive", response_model=ConversationOut)
def archive(conversationId: ConversationId, actor: ActorDep) -> ConversationOut:
    """Hide the conversation from the sidebar; nothing is deleted."""
    with write_session() as session:
        return ConversationOut.of(library.set_archived(session, actor, conversationId, True))


@router.post("/api/conversations/{conversationId}/unarchive", response_model=ConversationOut)
def unarchive(conversationId: ConversationId, actor: ActorDep) -> ConversationOut:
    with write_session() as session:
        return ConversationOut.of(library.set_archived(session, actor, conversationId, False))


@router.post("/api/conversations/{conversationId}/share", response_model=ShareOut)
def share(conversationId: ConversationId, actor: ActorDep, request: Request) -> ShareOut:
    """A read-only link to a snapshot of the current branch (a second call updates the
    snapshot, same link). Anyone with the link reads it without signing in."""
    with write_session() as session:
        return ShareOut.of(shares.share(session, actor, conversationId), _base_url(request))


@router.get("/api/shares", response_model=SharesOut)
def list_shares(actor: ActorDep, request: Request) -> SharesOut:
    with read_session() as session:
        links = shares.mine(session, actor)
    return SharesOut(shares=[ShareOut.of(s, _base_url(request)) for s in links])


@router.delete("/api/shares/{token}", status_code=204)
def revoke_share(token: Annotated[str, Path(max_length=64)], actor: ActorDep) -> Response:
    """Revoke a link: it answers 404 from now on."""
    with write_session() as session:
        shares.revoke(session, actor, token)
    return Response(status_code=204)
