"""Local token counting, used where a provider reports no usage (the demo provider, a stream
stopped or cut before its usage arrived) and to size billing reservations before a call.

This is a documented estimate, not a real tokenizer: `tiktoken` downloads its encodings at
first use, which fails offline, and each provider tokenizes differently anyway. The text is
split into pieces and each piece is priced as follows:

- a run of ASCII letters: ceil(len / 4) tokens (BPE vocabularies hold most short English
  words whole and split long ones into ~4-letter parts);
- a run of other letters (Cyrillic, Greek, accented Latin, ...): ceil(len / 2), since BPE
  vocabularies trained mostly on English split these scripts much more finely;
- each CJK ideograph, kana or hangul syllable: 1 token;
- a run of digits: ceil(len / 3) (numbers are split into groups of up to three digits);
- any other visible character (punctuation, symbols, emoji): 1 token if ASCII, else 2;
- whitespace: free.

Every rounding goes up, so the estimate is slightly above what real tokenizers report on
ordinary text. That is on purpose: the count sizes reservations and charges for answers whose
real usage is unknown, and erring high keeps a reservation from being too small.

Pieces never span whitespace, so the count of "a b" is exactly count("a") + count("b").
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from metogpt.services.llm.types import ChatMessage

# OpenAI's documented chat convention: every message costs its content plus ~4 tokens of
# framing (role, separators), and every reply is primed with 3 more.
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY = 3

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_PIECE = re.compile(
    rf"(?P<cjk>[{_CJK}])"
    r"|(?P<ascii>[A-Za-z]+)"
    rf"|(?P<letters>[^\W\d_A-Za-z{_CJK}]+)"
    r"|(?P<digits>\d+)"
    r"|(?P<other>\S)"
)


def _piece_cost(match: re.Match[str]) -> int:
    text = match.group()
    kind = match.lastgroup
    if kind == "cjk":
        return 1
    if kind == "ascii":
        return math.ceil(len(text) / 4)
    if kind == "letters":
        return math.ceil(len(text) / 2)
    if kind == "digits":
        return math.ceil(len(text) / 3)
    return 1 if text.isascii() else 2


def count_text_tokens(text: str) -> int:
    """Estimated token count of `text` (0 for empty or whitespace-only text)."""
    return sum(_piece_cost(match) for match in _PIECE.finditer(text))


def count_prompt_tokens(messages: Sequence[ChatMessage]) -> int:
    """Estimated prompt tokens of a chat request, framing included."""
    content = sum(count_text_tokens(message.content) for message in messages)
    return content + TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_REPLY
