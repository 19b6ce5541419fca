"""Conversations: messages, attachments, share links and presets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Text, false
from sqlmodel import Field, SQLModel

from metogpt.models.base import new_id, timestamp


class Conversation(SQLModel, table=True):
    __table_args__ = (Index("ix_conversation_user_updated", "user_id", "updated_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="user.id", max_length=32)
    title: str = Field(default="", max_length=200)
    system_prompt: str = Field(default="", max_length=20_000)
    model: str = Field(default="", max_length=64)
    # The message at the end of the branch being shown; the branch is its path to the root.
    active_leaf_id: str | None = Field(default=None, max_length=32)
    # Sampling parameters sent with every answer (None: the provider's default); a preset
    # sets them when the conversation starts (services/travel/presets.py).
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None  # the answer's cap, within the model's max_output
    archived: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Brought in from a file (services/travel/imports.py): its answers were never billed here.
    imported: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    # Set when the user deletes it: hidden at once, restorable (Undo) until purged. Indexed
    # for the purge, which runs beside the app every recovery pass.
    deleted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True, index=True)
    )


class MessageStatus(StrEnum):
    """Where a message stands (Message.status; stored as its value, a plain string)."""

    STREAMING = "streaming"  # an answer in progress (or left by a crashed worker)
    DONE = "done"
    STOPPED = "stopped"  # the user pressed Stop
    CUT = "cut"  # the provider broke off after some text
    ERROR = "error"  # the provider failed before any text


class Message(SQLModel, table=True):
    """A node of the conversation tree: edits and regenerations add siblings."""

    __table_args__ = (Index("ix_message_conversation_created", "conversation_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    conversation_id: str = Field(foreign_key="conversation.id", max_length=32)
    parent_id: str | None = Field(default=None, max_length=32, index=True)
    role: str = Field(max_length=16)  # user | assistant
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    model: str | None = Field(default=None, max_length=64)
    status: str = Field(default=MessageStatus.DONE, max_length=16)  # a MessageStatus value
    error: str | None = Field(default=None, max_length=64)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    charged: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    coefficient: str | None = Field(default=None, max_length=16)
    created_at: datetime = timestamp()


class Attachment(SQLModel, table=True):
    """A file a user uploaded (services/files/): the bytes in storage under `storage_key`,
    what the model is given here. Unsent until `message_id` is set; deleted with its
    conversation. The id is random (uuid4): it is also the file's unguessable address."""

    __table_args__ = (Index("ix_attachment_user_created", "user_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="user.id", max_length=32)
    conversation_id: str | None = Field(default=None, max_length=32, index=True)
    message_id: str | None = Field(default=None, max_length=32, index=True)
    position: int = 0  # order among the message's attachments
    name: str = Field(max_length=255)  # as uploaded, shown and sent to the model; never a path
    size: int = Field(sa_column=Column(BigInteger, nullable=False))  # stored bytes
    kind: str = Field(max_length=8)  # image | pdf | text
    media_type: str = Field(max_length=64)  # what the stored bytes are, by their content
    storage_key: str = Field(max_length=80)
    width: int | None = None  # images: pixels as stored
    height: int | None = None
    # PDFs and text files: the text the model is given (a PDF without a text layer: "")
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    text_tokens: int = 0  # tokens of the context block built from `text` (cl100k_base)
    created_at: datetime = timestamp()


class Share(SQLModel, table=True):
    """A read-only snapshot of a conversation's branch, readable by anyone with its token at
    /s/{token}. Revoking deletes the row; updating rewrites the snapshot."""

    token: str = Field(primary_key=True, max_length=64)
    conversation_id: str = Field(foreign_key="conversation.id", max_length=32, index=True)
    user_id: str = Field(foreign_key="user.id", max_length=32, index=True)
    title: str = Field(default="", max_length=200)
    # [{"role": "user|assistant", "content": str, "model": str}], root to leaf.
    messages: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class Preset(SQLModel, table=True):
    """Saved chat settings. A user's own (owner_id set) or a shared one an admin published
    to chosen roles (owner_id None, `roles` listing them)."""

    __table_args__ = (Index("ix_preset_owner_position", "owner_id", "position"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    owner_id: str | None = Field(default=None, foreign_key="user.id", max_length=32)
    name: str = Field(max_length=100)
    model: str = Field(max_length=64)
    system_prompt: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    position: int = 0
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
