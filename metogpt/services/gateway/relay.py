"""One API answer from the provider to the client, settled whatever happens.

`open_call` admits and reserves (tickets.admit: on the event loop when the database lets
it begin at once, else in a thread) and opens the upstream; a
refusal of either raises GatewayError and leaves nothing held. `stream` relays the chunks,
saves the tokens streamed every PROGRESS_SECONDS for the crash recovery, settles before
the closing usage chunk and `[DONE]` (so the client's last byte comes after its charge),
and when the client goes away mid-stream, settles what was used so far in a task of its
own (the cancelled request cannot wait for anything). `complete` does the same for a
whole answer.

What is charged: the provider's usage when it reports one; otherwise (a stream cut or
abandoned before its usage) the prompt as the provider or our count has it and the text
and tool arguments streamed, counted locally. Nothing when the provider never answered,
or failed before any output.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Coroutine
from typing import Any

from metogpt.services.errors import ServiceError
from metogpt.services.gateway import settlements, tickets
from metogpt.services.gateway.anthropic import AnthropicUpstream
from metogpt.services.gateway.calls import Call, parse
from metogpt.services.gateway.errors import GatewayError, from_service
from metogpt.services.gateway.local import LocalUpstream
from metogpt.services.gateway.openai import OpenAIUpstream
from metogpt.services.gateway.tickets import Ticket
from metogpt.services.gateway.upstream import Meter, Upstream, event
from metogpt.services.llm.tokens import count_text_tokens

PROGRESS_SECONDS = 1.0
# A body this small is read and its prompt counted on the event loop (up to ~0.1-0.2 ms),
# and admitted there too when the database lets a transaction begin at once
# (tickets.admit_now): the two hops to a thread and back cost more, and at 20 streams at a
# time milliseconds of waiting for the loop and the GIL before the first token. A larger
# one is parsed in the thread (tiktoken lets the GIL go), as before.
INLINE_BODY = 1024
DONE = b"data: [DONE]\n\n"

Admitted = tuple[Call, Ticket]

_detached: set[asyncio.Task[None]] = set()


def _detach(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` outside the (cancelled) request: a task of the loop's own."""
    task = asyncio.get_running_loop().create_task(work)
    _detached.add(task)
    task.add_done_callback(_detached.discard)


def _upstream(ticket: Ticket, call: Call) -> Upstream:
    if ticket.kind in ("openai", "openai_compatible"):
        return OpenAIUpstream(ticket, call)
    if ticket.kind == "anthropic":
        return AnthropicUpstream(ticket, call)
    return LocalUpstream(ticket, call)


def _parsed(raw: bytes) -> Call | GatewayError:
    try:
        return parse(raw)
    except GatewayError as exc:
        return exc  # raised by admit, after the key is checked


def _admit(secret: str | None, call: Call | GatewayError, now: bool = False) -> Admitted | None:
    try:
        ticket = tickets.admit_now(secret, call) if now else tickets.admit(secret, call)
    except ServiceError as exc:
        raise from_service(exc) from None
    if ticket is None:
        return None
    assert isinstance(call, Call)  # admit raised the parse error otherwise
    return call, ticket


def _admit_raw(secret: str | None, raw: bytes) -> Admitted | None:
    return _admit(secret, _parsed(raw))


async def open_call(secret: str | None, raw: bytes) -> tuple[Call, Ticket, Upstream]:
    admitted = None
    if len(raw) <= INLINE_BODY:
        call = _parsed(raw)
        admitted = _admit(secret, call, now=True) or await asyncio.to_thread(_admit, secret, call)
    else:
        admitted = await asyncio.to_thread(_admit_raw, secret, raw)
    assert admitted is not None  # None only when now=True
    call, ticket = admitted
    upstream = _upstream(ticket, call)
    try:
        await upstream.open()
    except GatewayError:  # released before the client hears of it
        await _finish(ticket, upstream, failed=True)
        raise
    except BaseException:  # cancelled: the client went away
        _detach(_finish(ticket, upstream, failed=True))
        raise
    return call, ticket, upstream


def used(ticket: Ticket, meter: Meter, failed: bool) -> tuple[int, int]:
    """(prompt, completion) tokens to charge."""
    if not meter.reached or (failed and not meter.streamed()):
        return 0, 0
    prompt = meter.prompt_tokens if meter.prompt_tokens is not None else ticket.prompt_tokens
    completion = meter.completion_tokens
    if completion is None:
        completion = count_text_tokens("".join(meter.streamed()), ticket.kind)
    return prompt, completion


async def _finish(ticket: Ticket, upstream: Upstream, failed: bool) -> None:
    await upstream.aclose()
    # Together with the other requests' settlements waiting meanwhile: one transaction
    # (session 9), on the loop when the database is free, as the admission (session 11).
    await settlements.settle(ticket, *used(ticket, upstream.meter, failed))


async def stream(call: Call, ticket: Ticket, upstream: Upstream) -> AsyncGenerator[bytes, None]:
    meter = upstream.meter
    settling = False
    try:
        failure: GatewayError | None = None
        saved = time.monotonic()
        try:
            async for chunk in upstream.events():
                yield chunk
                if time.monotonic() - saved >= PROGRESS_SECONDS:
                    streamed = count_text_tokens("".join(meter.streamed()), ticket.kind)
                    await asyncio.to_thread(tickets.save_progress, ticket, streamed)
                    saved = time.monotonic()
        except GatewayError as exc:
            failure = exc
        settling = True
        await _finish(ticket, upstream, failure is not None)
        if failure is not None:
            yield event(failure.body())
            return
        tail = DONE
        if call.include_usage:
            usage = meter.usage(*used(ticket, meter, False))
            closing = {
                "id": meter.id,
                "object": "chat.completion.chunk",
                "created": meter.created,
                "model": call.model,
                "choices": [],
                "usage": usage,
            }
            tail = event(closing) + DONE
        yield tail  # the last piece: it ends with DONE (a server sends it with the body's end)
    finally:
        if not settling:  # the client went away (or a bug): settle without it
            _detach(_finish(ticket, upstream, failed=False))


async def complete(call: Call, ticket: Ticket, upstream: Upstream) -> dict[str, Any]:
    try:
        body = await upstream.complete()
    except GatewayError:
        await _finish(ticket, upstream, failed=True)
        raise
    except BaseException:
        _detach(_finish(ticket, upstream, failed=True))
        raise
    await _finish(ticket, upstream, failed=False)
    if not body.get("usage"):
        body["usage"] = upstream.meter.usage(*used(ticket, upstream.meter, False))
    return body
