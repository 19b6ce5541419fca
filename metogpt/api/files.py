"""/api/files: upload a file (multipart), read its description, fetch it, remove it unsent."""

from __future__ import annotations

import dataclasses
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from metogpt.api.deps import ActorDep, Token, current
from metogpt.api.multipart import file_part
from metogpt.api.schemas import ErrorOut, FileOut
from metogpt.services import files
from metogpt.services.db import read_session, write_session
from metogpt.settings import upload_limits

router = APIRouter(prefix="/api/files", tags=["files"])

# Served inline (shown in the page): the images, which are always our own re-encoding.
_INLINE = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})
_MULTIPART_OVERHEAD = 64 * 1024
FileId = Annotated[str, Path(max_length=32)]


def body_limit() -> int:
    """The largest upload request accepted (BodyLimit in api/__init__.py)."""
    return upload_limits().file_bytes + _MULTIPART_OVERHEAD


def _out(found: files.FileInfo) -> FileOut:
    return FileOut(**dataclasses.asdict(found))


_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        }
    },
}


@router.post(
    "",
    response_model=FileOut,
    status_code=201,
    responses={415: {"model": ErrorOut, "description": "not an image, a PDF or a text file"}},
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def upload(request: Request, actor: ActorDep) -> FileOut:
    """Upload one file (field `file`). Images (PNG, JPEG, WebP, GIF), PDFs and UTF-8 text;
    the type is judged by the content, not the name. Limits: METOGPT_UPLOAD_MAX_MB per file
    (413), METOGPT_UPLOAD_QUOTA_MB per user. The file is inspected and stored as it arrives
    (api/multipart.py): a refusal comes as soon as it is certain."""
    part = await file_part(request, "file")
    try:
        return _out(await files.receive(actor, part.name, part.chunks))
    finally:
        await part.finish()


@router.get("/{fileId}", response_model=FileOut)
def describe(fileId: FileId, actor: ActorDep) -> FileOut:
    with read_session() as session:
        return _out(files.describe(session, actor, fileId))


@router.delete("/{fileId}", status_code=204)
def remove(fileId: FileId, actor: ActorDep) -> None:
    """Remove a file not sent yet (a sent one stays with its message: 422 file_in_use)."""
    with write_session() as session:
        files.delete_unsent(session, actor, fileId)


@router.get("/{fileId}/content", responses={200: {"content": {"application/octet-stream": {}}}})
def download(
    fileId: FileId,
    token: Token,
    s: Annotated[str | None, Query(description="a signed link's signature")] = None,
) -> Response:
    """The file's bytes, to its owner only: with the bearer token, or through the signed
    link the chat page shows. Images inline; everything else as a download."""
    actor = None if s is not None else current(token)[1]
    with read_session() as session:
        if actor is None:
            found, data = files.content_by_link(session, fileId, s or "")
        else:
            found, data = files.content(session, actor, fileId)
    inline = found.type in _INLINE
    disposition = "inline" if inline else "attachment"
    media_type = found.type if inline or found.kind == "pdf" else "text/plain; charset=utf-8"
    if found.type == "application/json":
        media_type = "application/json"
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600",
        },
    )
