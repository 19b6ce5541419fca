"""Wire shape of an uploaded file (api/files.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class FileOut(BaseModel):
    """An uploaded file (POST /api/files): send its id with a message to attach it."""

    id: str
    name: str
    size: int = Field(description="bytes as stored (images are re-encoded)")
    type: str = Field(description="media type of the stored bytes, judged by their content")
    kind: Literal["image", "pdf", "text"]
    width: int = Field(description="images: pixels (0 otherwise)")
    height: int
    tokens: int = Field(description="text files and PDFs: tokens of the text given to the model")
    text_layer: bool = Field(description="false for a PDF whose text could not be read")
