"""Errors of the OpenAI-compatible API, in OpenAI's shape and with OpenAI's status codes:
`{"error": {"message", "type", "param", "code"}}`."""

from __future__ import annotations

from dataclasses import dataclass

from metogpt.services.errors import (
    ErrorCode,
    Forbidden,
    InsufficientBalance,
    InvalidInput,
    RateLimited,
    ServiceError,
    Unauthorized,
)


@dataclass
class GatewayError(Exception):
    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    retry_after: int | None = None

    def body(self) -> dict[str, object]:
        error = {"message": self.message, "type": self.type, "param": self.param}
        return {"error": {**error, "code": self.code}}

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        if self.code == "insufficient_quota":
            # The openai SDK retries 429s unless told not to: topping up takes longer.
            headers["x-should-retry"] = "false"
        return headers


def bad_request(message: str, param: str | None = None) -> GatewayError:
    return GatewayError(400, message, param=param)


def from_service(exc: ServiceError) -> GatewayError:
    """A refusal of our services as OpenAI would say it."""
    if isinstance(exc, Unauthorized):
        return GatewayError(401, exc.message, code="invalid_api_key")
    if isinstance(exc, InsufficientBalance) or exc.code == ErrorCode.CREDITS_OWED:
        # 402, not OpenAI's 429: a client that retries 429s would retry in vain.
        return GatewayError(402, exc.message, "insufficient_quota", "insufficient_quota")
    if isinstance(exc, RateLimited):
        return GatewayError(
            429, exc.message, "requests", "rate_limit_exceeded", retry_after=exc.retry_after
        )
    if isinstance(exc, Forbidden):
        return GatewayError(403, exc.message, code=str(exc.code), param="model")
    if isinstance(exc, InvalidInput):
        return GatewayError(400, exc.message, code=str(exc.code))
    if exc.code == ErrorCode.BUSY:
        return GatewayError(503, exc.message, "server_error", str(exc.code), retry_after=1)
    return GatewayError(exc.status, exc.message, code=str(exc.code))
