"""Attachments on screen: the composer's files (button, drop, paste; previews; remove before
sending; upload progress) and the files shown on a sent message (thumbnails that open full
size, chips with name and size). The uploading itself is assets/attachments.js."""

from __future__ import annotations

from typing import Literal

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.state.attachments import ComposerFiles
from metogpt.state.chat.rows import FileRow, MessageRow
from metogpt.state.lang import t


def _chip(file: ObjectVar[FileRow], extra: rx.Component | None = None) -> rx.Component:
    """A file's icon, name (one line, cut with an ellipsis; the whole name on hover) and
    size, which never wraps."""
    return rx.hstack(
        rx.cond(file.kind == "pdf", rx.icon("file-text", size=16), rx.icon("file-code", size=16)),
        rx.link(
            rx.text(
                file.name,
                size="1",
                weight="medium",
                trim="both",
                white_space="nowrap",
                overflow="hidden",
                text_overflow="ellipsis",
                class_name="file-name",
            ),
            href=file.url,
            is_external=True,
            min_width="0",
        ),
        rx.text(file.size, size="1", color_scheme="gray", white_space="nowrap", flex_shrink="0"),
        *([extra] if extra is not None else []),
        spacing="1",
        align="center",
        padding="4px 8px",
        border="1px solid var(--gray-a6)",
        border_radius="8px",
        max_width="100%",
        min_width="0",
        height="fit-content",
        title=file.name,
        class_name="file-chip",
    )


def _thumbnail(file: ObjectVar[FileRow], size: str) -> rx.Component:
    return rx.link(
        rx.image(
            src=file.url,
            alt=file.name,
            height=size,
            max_width="100%",
            object_fit="cover",
            border_radius="8px",
            class_name="file-thumb",
        ),
        href=file.url,
        is_external=True,
        title=file.name,
    )


def _file(file: ObjectVar[FileRow], size: str, remove: bool = False) -> rx.Component:
    """A thumbnail for an image, a chip otherwise; with a remove button in the composer
    (over the thumbnail's corner, on a surface that shows on any picture)."""
    if not remove:
        return rx.cond(file.kind == "image", _thumbnail(file, size), _chip(file))
    image = rx.box(
        _thumbnail(file, size),
        rx.box(_remove(file, "surface"), position="absolute", top="4px", right="4px"),
        position="relative",
        height=size,
    )
    return rx.cond(file.kind == "image", image, _chip(file, _remove(file, "soft")))


def _remove(file: ObjectVar[FileRow], variant: Literal["soft", "surface"]) -> rx.Component:
    return rx.icon_button(
        rx.icon("x", size=12),
        size="1",
        variant=variant,
        color_scheme="gray",
        type="button",
        title=t("files.remove"),
        aria_label=t("files.remove"),
        on_click=ComposerFiles.remove(file.id),
        class_name="file-remove",
    )


def message_files(msg: ObjectVar[MessageRow]) -> rx.Component:
    """The files sent with a message."""
    return rx.cond(
        msg.files.length() > 0,  # type: ignore[attr-defined]
        rx.flex(
            rx.foreach(msg.files, lambda f: _file(f, "120px")),
            wrap="wrap",
            gap="6px",
            justify="end",
            align="start",
            max_width="100%",
            class_name="message-files",
        ),
    )


def attach_button() -> rx.Component:
    return rx.icon_button(
        rx.icon("paperclip", size=16),
        type="button",
        variant="soft",
        color_scheme="gray",
        title=t("files.attach"),
        on_click=rx.call_script("window.metogptPickFiles()"),
        id="attach",
    )


def composer_files() -> rx.Component:
    """Above the composer: the pending files, the upload progress, an upload's refusal; and
    the hidden parts the script and the form use."""
    return rx.fragment(
        rx.script(src="/attachments.js"),
        rx.el.input(type="hidden", name="files", value=ComposerFiles.pending_ids),
        rx.el.button(
            type="button",
            id="attach-sync",
            style={"display": "none"},
            on_click=rx.call_script("window.metogptTakeUploads()", callback=ComposerFiles.take),
        ),
        rx.cond(
            ComposerFiles.pending.length() > 0,  # type: ignore[attr-defined]
            rx.flex(
                rx.foreach(ComposerFiles.pending, lambda f: _file(f, "64px", remove=True)),
                wrap="wrap",
                gap="6px",
                align="start",
                padding_bottom="6px",
                id="pending-files",
            ),
        ),
        rx.box(id="attach-progress", display="none", font_size="12px", color="var(--gray-11)"),
        rx.cond(
            ComposerFiles.upload_error != "",
            rx.text(ComposerFiles.upload_error, color_scheme="red", size="2", id="upload-error"),
        ),
    )
