"""Counting tokens offline: the packaged cl100k file, counts, invisible padding, the margin
for other tokenizers, the prompt overhead."""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tiktoken_ext import openai_public

from metogpt.services import setup
from metogpt.services.catalog import ProviderKind
from metogpt.services.llm import tokens
from metogpt.services.llm.tokens import count_prompt_tokens, count_text_tokens
from tests.services.providers.streams import MESSAGES


def test_the_packaged_cl100k_file_is_the_one_tiktoken_expects() -> None:
    # tiktoken's own definition of cl100k_base (which would download the file) carries the
    # file's SHA-256 and the split pattern as constants: ours must be the same.
    tiktokens_own = openai_public.cl100k_base.__code__.co_consts
    assert hashlib.sha256(tokens.cl100k_file()).hexdigest() == tokens.CL100K_SHA256
    assert tokens.CL100K_SHA256 in tiktokens_own
    assert tokens.CL100K_SHA256.startswith("223921b7") and tokens.CL100K_SHA256.endswith("b2a7")
    assert tokens.encoding()._pat_str in tiktokens_own


def test_the_tokenizer_is_loaded_at_start() -> None:
    tokens.encoding.cache_clear()
    asyncio.run(setup.load_tokenizer())  # a lifespan task of the app
    assert tokens.encoding.cache_info().currsize == 1


def test_counting_needs_no_network(tmp_path: Path) -> None:
    # A fresh process with every socket refused and an empty tiktoken cache still counts.
    script = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('no network in this test')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from metogpt.services.llm.tokens import count_text_tokens\n"
        "print(count_text_tokens('hello world'))\n"
    )
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "2"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("", []),
        ("hello world", [15339, 1917]),  # tiktoken's README example
        ("tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
        ("Привет", [54745, 28089, 8341]),
        ("<|endoftext|>", [27, 91, 8862, 728, 428, 91, 29]),  # text, not the special token
    ],
)
def test_counts_are_cl100k_base(text: str, ids: list[int]) -> None:
    assert tokens.encoding().encode_ordinary(text) == ids
    assert count_text_tokens(text) == len(ids)


@pytest.mark.parametrize("filler", ["\u00a0", "\u3000", "\x1c", " "])
def test_invisible_padding_is_counted(filler: str) -> None:
    # Issue 12: "hi" + 99,998 of these was estimated at about one token.
    text = "hi" + filler * 99_998
    assert count_text_tokens(text) >= 700
    assert count_text_tokens(text) == len(tokens.encoding().encode_ordinary(text))


@pytest.mark.parametrize("kind", ["anthropic", "openai_compatible"])
def test_other_tokenizers_get_the_safety_margin(kind: ProviderKind) -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 7
    exact = count_text_tokens(text)
    assert count_text_tokens(text, "openai") == count_text_tokens(text, "demo") == exact
    assert count_text_tokens(text, kind) == math.ceil(exact * 1.2) > exact
    assert count_prompt_tokens(MESSAGES, kind) == math.ceil(count_prompt_tokens(MESSAGES) * 1.2)


def test_count_prompt_tokens_adds_message_and_reply_overhead() -> None:
    content = sum(count_text_tokens(m.content) for m in MESSAGES)

    assert count_prompt_tokens(MESSAGES) == content + 4 * len(MESSAGES) + 3
    assert count_prompt_tokens([]) == 3


@given(st.text())
def test_count_is_zero_exactly_for_empty_text(text: str) -> None:
    assert (count_text_tokens(text) == 0) == (text == "")
