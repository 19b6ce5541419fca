"""Attachments as the model is given them: text files and PDFs as context blocks naming
the file, images scaled to the provider's limits with the tokens it bills for them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from metogpt.models import Attachment
from metogpt.services.catalog import ProviderKind
from metogpt.services.files.inspect import IMAGE
from metogpt.services.files.vision import image_tokens, scale, sent_size
from metogpt.services.llm.types import ChatMessage, ImagePart
from metogpt.services.storage import get_storage

NO_TEXT_LAYER = (
    "(This PDF has no text layer: it is probably a scan, and its text could not be read.)"
)


def context_block(name: str, text: str | None) -> str:
    """A file's text for the model, named so that the model (and the user) can refer to it."""
    safe = name.replace('"', "'")
    body = text if text and not text.isspace() else NO_TEXT_LAYER  # (no copy of a long text)
    return f'<file name="{safe}">\n{body}\n</file>'


def parts(
    rows: Sequence[Attachment], kind: ProviderKind
) -> tuple[tuple[str, ...], tuple[ImagePart, ...]]:
    """A message's attachments for a provider of `kind`: (context blocks, images). Image
    bytes are not loaded here (see load_images)."""
    blocks = tuple(context_block(r.name, r.text) for r in rows if r.kind != IMAGE)
    images = []
    for row in rows:
        if row.kind == IMAGE and row.width and row.height:
            width, height = sent_size(kind, row.width, row.height)
            tokens = image_tokens(kind, row.width, row.height)
            images.append(ImagePart(row.storage_key, row.media_type, width, height, tokens))
    return blocks, tuple(images)


def load_images(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """The messages with their images' bytes read from storage and scaled (blocking: run it
    in a thread, just before sending)."""
    storage = get_storage()
    loaded = []
    for message in messages:
        if message.images:
            images = tuple(
                dataclasses.replace(
                    image,
                    data=scale(
                        storage.get(image.key), image.media_type, (image.width, image.height)
                    ),
                )
                for image in message.images
            )
            message = dataclasses.replace(message, images=images)
        loaded.append(message)
    return loaded
