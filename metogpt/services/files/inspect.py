"""What an uploaded file is, judged by its bytes and never by its name, and what is kept of it.

- Images (PNG, JPEG, WebP, GIF) are decoded and re-encoded with Pillow: metadata (EXIF, GPS,
  comments) and anything appended or hidden in the file are dropped, a GIF keeps its first
  frame (as PNG). The pixel count is checked from the header before any decoding, so a
  decompression bomb is refused without being inflated.
- PDFs are kept as uploaded; their text is extracted with pypdf (none: no text layer).
- Text (code, Markdown, CSV, JSON, ...) is any valid UTF-8 without NUL bytes.
Anything else (executables, archives, office files) is refused.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import PurePath

import pypdf
from PIL import Image, ImageOps

from metogpt.services.errors import ErrorCode, InvalidInput, ServiceError

IMAGE, PDF, TEXT = "image", "pdf", "text"
MAX_PDF_PAGES = 2000

_TEXT_TYPES = {".md": "text/markdown", ".csv": "text/csv", ".json": "application/json"}


class UnsupportedType(ServiceError):
    status = 415
    code = ErrorCode.FILE_TYPE


@dataclass(frozen=True)
class Inspected:
    kind: str  # IMAGE | PDF | TEXT
    media_type: str
    data: bytes  # what is stored: re-encoded for images, as uploaded otherwise
    width: int | None = None
    height: int | None = None
    text: str | None = None  # PDFs and text files: what the model is given


def sniff(head: bytes) -> str | None:
    """The image or PDF media type the first bytes announce; None for anything else."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def inspect(name: str, data: bytes, max_pixels: int) -> Inspected:
    """The file as it will be stored; raises a ServiceError saying why it cannot be."""
    media_type = sniff(data[:16])
    if media_type == "application/pdf":
        return Inspected(PDF, media_type, data, text=pdf_text(name, data))
    if media_type is not None:
        return _image(name, data, media_type, max_pixels)
    text = _utf8(data)
    if text is None:
        raise UnsupportedType(f"{name}: not an image, a PDF or a text file")
    suffix = PurePath(name).suffix.lower()
    return Inspected(TEXT, _TEXT_TYPES.get(suffix, "text/plain"), data, text=text)


def _utf8(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return None


def _image(name: str, data: bytes, media_type: str, max_pixels: int) -> Inspected:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise InvalidInput(
                    f"{name}: {width}×{height} px, the limit is {max_pixels:,} px",
                    code=ErrorCode.IMAGE_TOO_LARGE,
                )
            image.seek(0)  # a GIF's (or animated WebP's) first frame
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput(f"{name}: {exc}", code=ErrorCode.IMAGE_TOO_LARGE) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidInput(f"{name}: not a readable image", code=ErrorCode.BAD_FILE) from exc
    return _reencode(image, media_type)


def _reencode(image: Image.Image, media_type: str) -> Inspected:
    """Only the pixels go into the new file: no metadata, no trailing bytes."""
    out = io.BytesIO()
    if media_type == "image/jpeg":
        image.convert("RGB").save(out, "JPEG", quality=90)
    elif media_type == "image/webp":
        image.convert("RGBA" if _has_alpha(image) else "RGB").save(out, "WEBP", quality=90)
    else:  # PNG, and a GIF's first frame as PNG
        media_type = "image/png"
        image.convert("RGBA" if _has_alpha(image) else "RGB").save(out, "PNG", optimize=False)
    return Inspected(IMAGE, media_type, out.getvalue(), width=image.width, height=image.height)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def pdf_text(name: str, data: bytes) -> str:
    """The PDF's text, pages separated by blank lines ("" when it has no text layer)."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # it warns about every small defect
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidInput(f"{name}: the PDF is password-protected", code=ErrorCode.BAD_FILE)
        if len(reader.pages) > MAX_PDF_PAGES:
            raise InvalidInput(
                f"{name}: more than {MAX_PDF_PAGES} pages", code=ErrorCode.FILE_TOO_LARGE
            )
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except ServiceError:
        raise
    except Exception as exc:  # pypdf raises many kinds on a broken file
        raise InvalidInput(f"{name}: not a readable PDF", code=ErrorCode.BAD_FILE) from exc
    return "\n\n".join(page for page in pages if page).replace("\x00", "")
