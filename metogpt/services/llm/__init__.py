"""One streaming interface over every model provider:

    stream = await open_stream(model, messages, max_tokens)
    try:
        async for delta in stream:
            ...
    finally:
        await stream.aclose()      # no-op after a normal end; stops the upstream otherwise
    stream.usage                   # what to charge

Layout: `types.py` (the request, its events, ChatMessage, Usage), `errors.py` (ProviderError
and the mapping of SDK failures), `stream.py` (retries, stop, cut, usage; helpers of the SDK
providers) and one module per provider. Adding a provider is one module with
`async def connect(request) -> Upstream` and one line in `PROVIDERS` (plus its kind in
catalog.ProviderKind).
"""

from __future__ import annotations

from collections.abc import Sequence

from metogpt.services.catalog import Catalog, ModelSpec, ProviderKind, get_catalog
from metogpt.services.llm import anthropic, demo, openai
from metogpt.services.llm.errors import ProviderError
from metogpt.services.llm.stream import ChatStream
from metogpt.services.llm.tokens import count_prompt_tokens
from metogpt.services.llm.types import ChatMessage, Connect, Request, Usage

__all__ = ["PROVIDERS", "ChatMessage", "ChatStream", "ProviderError", "Usage", "open_stream"]

PROVIDERS: dict[ProviderKind, Connect] = {
    "openai": openai.connect,
    "openai_compatible": openai.connect,
    "anthropic": anthropic.connect,
    "demo": demo.connect,
}


async def open_stream(
    model: ModelSpec,
    messages: Sequence[ChatMessage],
    max_tokens: int,
    *,
    catalog: Catalog | None = None,
    timeout: float = 60.0,
    prompt_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
) -> ChatStream:
    """Send the chat request and return its stream of text deltas.

    `prompt_tokens` is the caller's local count of `messages` (counted here when absent):
    what the usage says when the provider reports none.
    Raises ProviderError when the request fails before anything is streamed (after retries).
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    if not messages:
        raise ValueError("messages must not be empty")
    catalog = catalog or get_catalog()
    provider = catalog.provider_for(model.name)
    request = Request(
        provider=provider,
        api_key=catalog.api_key(provider.name) or "",
        model=model,
        messages=list(messages),
        max_tokens=max_tokens,
        timeout=timeout,
        temperature=temperature,
        top_p=top_p,
    )
    connect = PROVIDERS[provider.kind]
    if prompt_tokens is None:
        prompt_tokens = count_prompt_tokens(messages, provider.kind)
    stream = ChatStream(lambda: connect(request), prompt_tokens, provider.kind)
    await stream.start()
    return stream
