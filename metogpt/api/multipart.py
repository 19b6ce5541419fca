"""One file of a multipart/form-data request, handed on as it arrives.

Starlette's form parser (what `UploadFile` parameters use) reads the whole body first,
spooling each file to a temporary file in 64 KB writes through the thread pool; for an
upload that was most of its time, and nothing could be refused before the last byte came.
Here python-multipart's push parser runs on the request's stream and the part named
`field` goes on chunk by chunk, so the service can inspect and store it as it comes
(services/files/) and refuse it early. Other form fields are ignored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

from metogpt.services.errors import ErrorCode, InvalidInput


def _text(raw: bytes) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass
class _Parser:
    """The parser's callbacks: the wanted part's file name once its headers are read, its
    data since the last look, and whether it has ended."""

    wanted: str  # the part's field name
    name: str | None = None  # the wanted part's file name, once its headers are read
    found: bool = False
    ended: bool = False
    data: list[bytes] = field(default_factory=list)
    _inside: bool = False  # in the wanted part's data
    _header: bytes = b""
    _value: bytes = b""
    _disposition: bytes = b""

    def part_begin(self) -> None:
        self._disposition = b""

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def header_end(self) -> None:
        if self._header.lower() == b"content-disposition":
            self._disposition = self._value
        self._header = self._value = b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._inside = not self.found and _text(options.get(b"name", b"")) == self.wanted
        if self._inside:
            self.found, self.name = True, _text(options.get(b"filename", b""))

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self._inside:
            self.data.append(data[start:end])

    def part_end(self) -> None:
        if self._inside:
            self._inside, self.ended = False, True

    def parser(self, boundary: bytes) -> MultipartParser:
        return MultipartParser(
            boundary,
            {
                "on_part_begin": self.part_begin,
                "on_header_field": self.header_field,
                "on_header_value": self.header_value,
                "on_header_end": self.header_end,
                "on_headers_finished": self.headers_finished,
                "on_part_data": self.part_data,
                "on_part_end": self.part_end,
            },
        )


@dataclass
class FilePart:
    """The file's name as sent, and its bytes as they arrive (`chunks`). Whatever happens
    to them, `finish` reads the rest of the body, so that the client, still sending when
    a refusal is decided, gets the answer rather than a broken connection."""

    name: str
    chunks: AsyncIterator[bytes]
    _body: AsyncIterator[bytes]

    async def finish(self) -> None:
        try:
            async for _ in self._body:
                pass
        except (ClientDisconnect, HTTPException):  # gone, or over the body limit: done
            pass


def _malformed() -> InvalidInput:
    return InvalidInput("the body is not valid multipart/form-data", code=ErrorCode.INVALID)


async def file_part(request: Request, field_name: str) -> FilePart:
    """The part named `field_name` of a multipart/form-data request, read up to its
    headers; a clear 422 when the body is not multipart or has no such part."""
    kind, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInput(
            f"{field_name}: send the file as multipart/form-data", code=ErrorCode.INVALID
        )
    state = _Parser(field_name)
    parser = state.parser(boundary)
    body = request.stream()

    async def feed() -> bool:
        """Parse the next chunk of the body; False at its end."""
        chunk = await anext(body, None)
        try:
            if chunk is None:
                parser.finalize()
                return False
            parser.write(chunk)
        except FormParserError as exc:
            raise _malformed() from exc
        return True

    while not state.found:
        if not await feed():
            raise InvalidInput(f"{field_name}: field required", code=ErrorCode.INVALID)

    async def chunks() -> AsyncIterator[bytes]:
        while True:
            if state.data:
                data = state.data[0] if len(state.data) == 1 else b"".join(state.data)
                state.data.clear()
                yield data
            if state.ended:
                return
            if not await feed():
                raise _malformed()  # the body ended inside the part

    return FilePart(state.name or "", chunks(), body)
