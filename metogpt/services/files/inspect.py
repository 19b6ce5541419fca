"""What an uploaded file is, judged by its bytes and never by its name, and what is kept of
it; judged as the bytes arrive (`Intake`), so that most refusals come before the upload ends.

- The kind is decided by the first 16 bytes (`sniff`).
- Images (PNG, JPEG, WebP, GIF) are decoded and re-encoded with Pillow: metadata (EXIF, GPS,
  comments) and anything appended or hidden in the file are dropped, a GIF keeps its first
  frame (as PNG). The pixel count is checked from the header as soon as it has arrived, and
  before any decoding, so a decompression bomb is refused without being inflated.
- PDFs are kept as uploaded; their text is extracted with pypdf at the end (none: no text
  layer; unreadable: refused).
- Text (code, Markdown, CSV, JSON, ...) is any valid UTF-8 without NUL bytes, checked chunk
  by chunk: an executable or an archive is refused at its first bytes.
Anything else (executables, archives, office files) is refused. The size limit and, for the
files kept as uploaded, the user's room in their quota are enforced chunk by chunk too.
"""

from __future__ import annotations

import codecs
import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import PurePath

import pypdf
from PIL import Image, ImageOps

from metogpt.services.errors import ErrorCode, InvalidInput, ServiceError
from metogpt.settings import UploadLimits

IMAGE, PDF, TEXT = "image", "pdf", "text"
MAX_PDF_PAGES = 2000
MB = 1024 * 1024
SNIFF_BYTES = 16
HEADER_BYTES = MB  # an image whose size is not known from this much is judged at the end

_TEXT_TYPES = {".md": "text/markdown", ".csv": "text/csv", ".json": "application/json"}


class UnsupportedType(ServiceError):
    status = 415
    code = ErrorCode.FILE_TYPE


class TooLarge(ServiceError):
    status = 413
    code = ErrorCode.FILE_TOO_LARGE


def mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


@dataclass(frozen=True)
class Inspected:
    kind: str  # IMAGE | PDF | TEXT
    media_type: str
    size: int  # the stored bytes
    tail: bytes  # what is still to be stored (an image: all of its re-encoding)
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


class Intake:
    """One upload, fed as it arrives (`feed`); what is stored as uploaded (PDFs, text) is
    handed out by `take` to be written meanwhile; `finish` judges the whole and gives what
    is left to store. Each step raises a ServiceError saying why the file is refused.
    `room`: what is left of the user's quota (checked again when the file is recorded)."""

    def __init__(self, name: str, limits: UploadLimits, room: int) -> None:
        self.name, self.limits, self.room = name, limits, room
        self.size = 0
        self.media_type: str | None = None  # None until SNIFF_BYTES have arrived
        self.kind = ""
        self._head = b""
        self._whole: list[bytes] = []  # images and PDFs: judged whole at the end
        self._ready: list[bytes] = []  # PDFs and text: to store as they are
        self.ready_bytes = 0
        self._text: list[str] = []
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._size_known = False  # an image's pixel count was checked from its header

    def feed(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limits.file_bytes:
            raise TooLarge(f"{self.name}: more than {mb(self.limits.file_bytes)}")
        if self.media_type is None:
            self._head += data
            if len(self._head) < SNIFF_BYTES:
                return
            data = self._decide()
        self._take_in(data)

    def _take_in(self, data: bytes) -> None:
        if self.kind == IMAGE:
            self._whole.append(data)
            self._check_header()
            return
        if self.size > self.room:
            raise TooLarge(mb(self.limits.quota_bytes), code=ErrorCode.UPLOAD_QUOTA)
        if self.kind == PDF:
            self._whole.append(data)
        else:
            self._decode(data)
        self._ready.append(data)
        self.ready_bytes += len(data)

    def _decide(self) -> bytes:
        """The kind, from the first bytes; they are returned to be taken in."""
        head, self._head = self._head, b""
        self.media_type = sniff(head) or "text/plain"
        if self.media_type == "application/pdf":
            self.kind = PDF
        elif self.media_type.startswith("image/"):
            self.kind = IMAGE
        else:
            self.kind = TEXT
            self.media_type = _TEXT_TYPES.get(PurePath(self.name).suffix.lower(), "text/plain")
        return head

    def _decode(self, data: bytes, final: bool = False) -> None:
        try:
            if b"\x00" in data:
                raise ValueError("NUL")
            self._text.append(self._decoder.decode(data, final))
        except ValueError as exc:  # UnicodeDecodeError is one
            raise UnsupportedType(f"{self.name}: not an image, a PDF or a text file") from exc

    def _check_header(self) -> None:
        """The pixel count from the header, as soon as it has arrived."""
        if self._size_known or self.size > HEADER_BYTES:
            return
        try:
            _open(self.name, b"".join(self._whole), self.limits.image_pixels)
        except ServiceError as exc:
            if exc.code == ErrorCode.IMAGE_TOO_LARGE:
                raise
            return  # the header is not all here yet
        self._size_known = True

    def take(self) -> bytes:
        """The bytes that can be stored now (PDFs and text: as uploaded)."""
        data = b"".join(self._ready)
        self._ready.clear()
        self.ready_bytes = 0
        return data

    def finish(self) -> Inspected:
        """The whole file judged (blocking: a PDF is parsed, an image re-encoded)."""
        if self.media_type is None:  # fewer than SNIFF_BYTES
            if not self._head:
                raise InvalidInput(f"{self.name}: the file is empty", code=ErrorCode.BAD_FILE)
            self._take_in(self._decide())
        assert self.media_type is not None
        whole = b"".join(self._whole)
        if self.kind == IMAGE:
            width, height, data, media_type = _image(
                self.name, whole, self.media_type, self.limits.image_pixels
            )
            return Inspected(IMAGE, media_type, len(data), data, width, height)
        if self.kind == PDF:
            text = pdf_text(self.name, whole)
        else:
            self._decode(b"", final=True)
            text = "".join(self._text).removeprefix("\ufeff").replace("\r\n", "\n")
        return Inspected(self.kind, self.media_type, self.size, self.take(), text=text)


def _open(name: str, data: bytes, max_pixels: int) -> Image.Image:
    """The image, its pixel count checked (nothing decoded yet)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput(f"{name}: {exc}", code=ErrorCode.IMAGE_TOO_LARGE) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidInput(f"{name}: not a readable image", code=ErrorCode.BAD_FILE) from exc
    width, height = image.size
    if width * height > max_pixels:
        raise InvalidInput(
            f"{name}: {width}×{height} px, the limit is {max_pixels:,} px",
            code=ErrorCode.IMAGE_TOO_LARGE,
        )
    return image


def _image(name: str, data: bytes, media_type: str, max_pixels: int) -> tuple[int, int, bytes, str]:
    """(width, height, re-encoded bytes, their media type)."""
    image = _open(name, data, max_pixels)
    try:
        image.seek(0)  # a GIF's (or animated WebP's) first frame
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidInput(f"{name}: not a readable image", code=ErrorCode.BAD_FILE) from exc
    return image.width, image.height, *_reencode(image, media_type)


def _reencode(image: Image.Image, media_type: str) -> tuple[bytes, str]:
    """Only the pixels go into the new file: no metadata, no trailing bytes."""
    out = io.BytesIO()
    if media_type == "image/jpeg":
        image.convert("RGB").save(out, "JPEG", quality=90)
    elif media_type == "image/webp":
        image.convert("RGBA" if _has_alpha(image) else "RGB").save(out, "WEBP", quality=90)
    else:  # PNG, and a GIF's first frame as PNG
        media_type = "image/png"
        image.convert("RGBA" if _has_alpha(image) else "RGB").save(out, "PNG", optimize=False)
    return out.getvalue(), media_type


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
