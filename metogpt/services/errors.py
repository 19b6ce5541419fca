"""Errors the services raise. Each carries a stable code and a plain-English message;
the REST layer maps `status` to HTTP and the UI translates `code` through the i18n catalog."""

from __future__ import annotations


class ServiceError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class InvalidInput(ServiceError):
    status = 422
    code = "invalid"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **details: object) -> None:
        super().__init__(message, **details)
        self.retry_after = retry_after


class InsufficientBalance(Conflict):
    code = "insufficient_balance"


class ProviderError(ServiceError):
    """A payment provider could not be reached or refused the request."""

    status = 502
    code = "provider_error"
