"""ProviderError and the mapping of SDK and transport failures onto it.

The messages are short English texts of our own: an SDK's message may quote part of the key.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping

import anthropic
import httpx2
import openai

from metogpt.services.gateway.wire import WireError, WireTimeout
from metogpt.services.llm.types import ErrorKind


class StatusError(Exception):
    """The provider refused the request (`status` >= 400), or failed inside a 200 stream
    (`status` 200): what the providers spoken to over gateway/wire.py raise."""

    def __init__(self, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.headers = status, headers


# Failures of the network or of the provider, as opposed to bugs in our code, which propagate.
# Anthropic's stream lets transport errors through unwrapped, hence httpx2 and OSError.
UPSTREAM_ERRORS = (
    openai.APIError,
    anthropic.APIError,
    httpx2.HTTPError,
    OSError,
    WireError,
    StatusError,
)
_TIMEOUT_ERRORS = (
    openai.APITimeoutError,
    anthropic.APITimeoutError,
    httpx2.TimeoutException,
    WireTimeout,
)


class ProviderError(Exception):
    """A provider failure, with a short English message that never contains the API key.

    `kind` is one of auth, rate_limit, unavailable, bad_request, timeout, cut (the answer
    broke off after text had been streamed). `retry_after` is the provider's hint in seconds.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.retry_after = retry_after
        self.status_code = status_code


def to_provider_error(exc: BaseException) -> ProviderError:
    """Map an SDK or transport exception to a ProviderError (never echoing the SDK message,
    which may quote part of the key)."""
    if isinstance(exc, _TIMEOUT_ERRORS):
        return ProviderError("timeout", "The provider did not answer in time.")
    if isinstance(exc, openai.APIStatusError | anthropic.APIStatusError):
        return _status_error(exc.status_code, exc.response.headers)
    if isinstance(exc, StatusError):
        return _status_error(exc.status, exc.headers)
    if isinstance(
        exc, openai.APIConnectionError | anthropic.APIConnectionError | OSError | WireError
    ):
        return ProviderError("unavailable", "Could not reach the provider.")
    return ProviderError("unavailable", "The provider failed while answering.")


def _status_error(status: int, headers: Mapping[str, str]) -> ProviderError:
    if status < 400:
        # An error event inside a 200 stream (e.g. Anthropic's overloaded_error).
        return ProviderError("unavailable", "The provider failed while answering.")
    if status in (401, 403):
        return ProviderError(
            "auth", f"The provider rejected the API key (HTTP {status}).", status_code=status
        )
    if status == 429:
        return ProviderError(
            "rate_limit",
            "The provider is rate-limiting requests; try again shortly.",
            retry_after=_retry_after(headers),
            status_code=status,
        )
    if status == 408:
        return ProviderError("timeout", "The provider did not answer in time.", status_code=status)
    if status >= 500:
        return ProviderError(
            "unavailable",
            f"The provider is unavailable right now (HTTP {status}).",
            retry_after=_retry_after(headers),
            status_code=status,
        )
    return ProviderError(
        "bad_request", f"The provider refused the request (HTTP {status}).", status_code=status
    )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """The retry-after hint in seconds: retry-after-ms (OpenAI), seconds, or an HTTP date."""
    try:
        if (millis := headers.get("retry-after-ms")) is not None:
            return max(float(millis) / 1000, 0.0)
        if (value := headers.get("retry-after")) is None:
            return None
        if re.fullmatch(r"\s*\d+(\.\d+)?\s*", value):
            return float(value)
        return max(email.utils.parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None
