"""The OpenAI-compatible API (`/v1/models`, `/v1/chat/completions`) for personal keys,
billed like the chat.

    calls.py     the request, read and checked
    tickets.py   admission (key, model, rate limits) and the reservation; settlement
    limits.py    requests and tokens per minute, per key and per user (Redis or database)
    relay.py     one answer from the provider to the client, settled whatever happens
    openai.py, anthropic.py, local.py   the upstreams (OpenAI passthrough, Anthropic
                 translated both ways, the demo provider)
    upstream.py  what they share: the meter, the request, a provider's refusal as ours
    wire.py      the HTTP/1.1 client they speak to the providers with (connections kept)
    errors.py    OpenAI's error shape and status codes
"""
