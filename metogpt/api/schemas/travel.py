"""Wire shapes of the travelling conversations: the list, import reports, share links and
presets (api/conversations.py, api/presets.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from metogpt.api.schemas.base import Page, Strict, rows_named
from metogpt.models import Conversation, Share, iso
from metogpt.services.travel.presets import PresetInput, PresetView


class ConversationOut(BaseModel):
    id: str
    title: str
    model: str
    archived: bool
    imported: bool
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, c: Conversation) -> ConversationOut:
        return cls(
            id=c.id,
            title=c.title,
            model=c.model,
            archived=c.archived,
            imported=c.imported,
            createdAt=iso(c.created_at) or "",
            updatedAt=iso(c.updated_at) or "",
        )


class ConversationsOut(Page[ConversationOut]):
    model_config = rows_named("conversations")


class SkippedOut(BaseModel):
    title: str
    reason: str = Field(description="why: `no_messages` (nothing to show in it)")


class ImportOut(BaseModel):
    format: str = Field(description="the format detected: metogpt, librechat or chatgpt")
    imported: int
    conversations: list[str] = Field(description="the ids of the imported conversations")
    skipped: list[SkippedOut]


class ShareOut(BaseModel):
    token: str
    url: str
    conversationId: str
    title: str
    updatedAt: str

    @classmethod
    def of(cls, s: Share, base_url: str) -> ShareOut:
        return cls(
            token=s.token,
            url=f"{base_url.rstrip('/')}/s/{s.token}",
            conversationId=s.conversation_id,
            title=s.title,
            updatedAt=iso(s.updated_at) or "",
        )


class SharesOut(BaseModel):
    shares: list[ShareOut]


class PresetIn(Strict):
    name: StrictStr = Field(max_length=100)
    model: StrictStr = Field(max_length=64)
    systemPrompt: StrictStr = Field(default="", max_length=20_000)
    temperature: StrictFloat | StrictInt | None = Field(default=None, description="0–2")
    top_p: StrictFloat | StrictInt | None = Field(default=None, description="0–1")
    maxTokens: StrictInt | None = Field(default=None, description="1 – the model's max output")
    position: StrictInt | None = Field(default=None, description="0 first; absent: last/kept")
    shared: StrictBool = Field(
        default=False, description="publish to `roles` (needs ROLE_MANAGEMENT.UPDATE)"
    )
    roles: list[StrictStr] = Field(default_factory=list, max_length=100)

    def data(self) -> PresetInput:
        return PresetInput(
            self.name,
            self.model,
            self.systemPrompt,
            self.temperature,
            self.top_p,
            self.maxTokens,
            self.position,
            self.shared,
            list(self.roles),
        )


class PresetOut(BaseModel):
    id: str
    name: str
    model: str
    systemPrompt: str
    temperature: float | None
    top_p: float | None
    maxTokens: int | None
    position: int
    shared: bool
    roles: list[str]
    available: bool = Field(description="false when the model is not your role's")

    @classmethod
    def of(cls, p: PresetView) -> PresetOut:
        return cls(
            id=p.id,
            name=p.name,
            model=p.model,
            systemPrompt=p.system_prompt,
            temperature=p.temperature,
            top_p=p.top_p,
            maxTokens=p.max_tokens,
            position=p.position,
            shared=p.shared,
            roles=p.roles,
            available=p.available,
        )


class PresetsOut(BaseModel):
    presets: list[PresetOut]
