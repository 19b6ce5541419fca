"""/api/presets: the caller's presets and the shared ones offered to their role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from metogpt.api.deps import ActorDep
from metogpt.api.schemas.travel import PresetIn, PresetOut, PresetsOut
from metogpt.services.db import read_session, write_session
from metogpt.services.travel import presets

router = APIRouter(prefix="/api/presets", tags=["presets"])
PresetId = Annotated[str, Path(max_length=32)]


@router.get("", response_model=PresetsOut)
def list_presets(actor: ActorDep) -> PresetsOut:
    """Your presets in your order, then the shared ones; `available` false for a preset
    whose model your role does not include (it cannot start a chat)."""
    with read_session() as session:
        return PresetsOut(presets=[PresetOut.of(p) for p in presets.visible(session, actor)])


@router.post("", response_model=PresetOut, status_code=201)
def create_preset(body: PresetIn, actor: ActorDep) -> PresetOut:
    """Save a preset; `shared` with `roles` publishes it (ROLE_MANAGEMENT.UPDATE)."""
    with write_session() as session:
        return PresetOut.of(presets.create(session, actor, body.data()))


@router.put("/{presetId}", response_model=PresetOut)
def update_preset(presetId: PresetId, body: PresetIn, actor: ActorDep) -> PresetOut:
    """Replace a preset's settings; `position` moves it among your presets."""
    with write_session() as session:
        return PresetOut.of(presets.update(session, actor, presetId, body.data()))


@router.delete("/{presetId}", status_code=204)
def delete_preset(presetId: PresetId, actor: ActorDep) -> Response:
    with write_session() as session:
        presets.remove(session, actor, presetId)
    return Response(status_code=204)
