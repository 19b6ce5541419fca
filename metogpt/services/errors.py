"""Errors the services raise. Each carries a stable code and a plain-English message;
the REST layer maps `status` to HTTP and the UI translates `code` through the i18n catalog
(every ErrorCode has English and Russian text there: tests/unit/test_error_codes.py)."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every error code a service or the REST layer answers with (the `error` of a REST
    error body, the key `error.<code>` of the i18n catalog)."""

    # generic, one per kind of error (and the REST layer's own HTTP errors)
    BAD_REQUEST = "bad_request"
    INVALID = "invalid"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMITED = "rate_limited"
    # signing in and sessions
    BAD_CREDENTIALS = "bad_credentials"
    ACCOUNT_DISABLED = "account_disabled"
    UNAUTHENTICATED = "unauthenticated"
    INVALID_TOKEN = "invalid_token"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REVOKED = "token_revoked"
    # accounts and passwords
    REGISTRATION_DISABLED = "registration_disabled"
    REGISTRATION_LIMITED = "registration_limited"
    INVALID_EMAIL = "invalid_email"
    INVALID_USERNAME = "invalid_username"
    INVALID_PASSWORD = "invalid_password"
    PASSWORD_IS_EMAIL = "password_is_email"
    WRONG_PASSWORD = "wrong_password"
    EMAIL_TAKEN = "email_taken"
    USERNAME_TAKEN = "username_taken"
    TAKEN = "taken"
    # user management
    USER_NOT_FOUND = "user_not_found"
    LAST_ADMIN = "last_admin"
    SELF_DISABLE = "self_disable"
    ESCALATION = "escalation"
    # roles
    ROLE_NOT_FOUND = "role_not_found"
    ROLE_EXISTS = "role_exists"
    ROLE_IN_USE = "role_in_use"
    SYSTEM_ROLE = "system_role"
    ADMIN_PERMISSIONS = "admin_permissions"
    UNKNOWN_MODEL = "unknown_model"
    # balances
    INSUFFICIENT_BALANCE = "insufficient_balance"
    RESERVED = "reserved"
    REASON_REQUIRED = "reason_required"
    REASON_TOO_LONG = "reason_too_long"
    REASON_INVALID = "reason_invalid"
    BALANCE_HELD = "balance_held"
    NOT_A_NUMBER = "not_a_number"
    BUSY = "busy"
    # chat
    MODEL_NOT_ALLOWED = "model_not_allowed"
    EMPTY_MESSAGE = "empty_message"
    CONTROL_CHARACTERS = "control_characters"
    MESSAGE_TOO_LONG = "message_too_long"
    SYSTEM_TOO_LONG = "system_too_long"
    EMPTY_TITLE = "empty_title"
    CONVERSATION_NOT_FOUND = "conversation_not_found"
    MESSAGE_NOT_FOUND = "message_not_found"
    NOT_A_PROMPT = "not_a_prompt"
    NOT_EDITABLE = "not_editable"
    NOT_REGENERABLE = "not_regenerable"
    # payments, packages and periodic grants
    CREDITS_OWED = "credits_owed"
    BAD_GRANT = "bad_grant"
    INVALID_NAME = "invalid_name"
    BAD_CURRENCY = "bad_currency"
    BAD_PRICE = "bad_price"
    BAD_PROVIDER = "bad_provider"
    BAD_STATUS = "bad_status"
    PACKAGE_NOT_FOUND = "package_not_found"
    PAYMENT_NOT_FOUND = "payment_not_found"
    PROVIDER_OFF = "provider_off"
    PROVIDER_ERROR = "provider_error"
    BAD_SIGNATURE = "bad_signature"
    BAD_NOTIFICATION = "bad_notification"
    UNTRUSTED = "untrusted"
    # personal API keys and the OpenAI-compatible API
    INVALID_KEY_NAME = "invalid_key_name"
    INVALID_EXPIRY = "invalid_expiry"
    TOO_MANY_KEYS = "too_many_keys"
    KEY_NOT_FOUND = "key_not_found"
    INVALID_API_KEY = "invalid_api_key"
    API_KEY_EXPIRED = "api_key_expired"
    BAD_API_LIMITS = "bad_api_limits"
    # attachments (services/files/)
    FILE_TOO_LARGE = "file_too_large"
    TOO_MANY_FILES = "too_many_files"
    UPLOAD_QUOTA = "upload_quota"
    FILE_TYPE = "file_type"
    IMAGE_TOO_LARGE = "image_too_large"
    BAD_FILE = "bad_file"
    FILE_NOT_FOUND = "file_not_found"
    FILE_IN_USE = "file_in_use"
    NO_VISION = "no_vision"
    FILES_TOO_LONG = "files_too_long"
    # conversations that travel: presets, import/export, share links
    BAD_PARAMETER = "bad_parameter"
    IMPORT_TOO_LARGE = "import_too_large"
    IMPORT_UNREADABLE = "import_unreadable"
    IMPORT_UNKNOWN_FORMAT = "import_unknown_format"
    IMPORT_INVALID = "import_invalid"
    IMPORT_FOREIGN = "import_foreign"
    SHARE_NOT_FOUND = "share_not_found"
    NOTHING_TO_SHARE = "nothing_to_share"
    PRESET_NOT_FOUND = "preset_not_found"
    PRESET_UNAVAILABLE = "preset_unavailable"
    BAD_PRESET_NAME = "bad_preset_name"
    BAD_ROLES = "bad_roles"


class ServiceError(Exception):
    status: int = 400
    code: ErrorCode = ErrorCode.BAD_REQUEST

    def __init__(self, message: str, *, code: ErrorCode | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        if code:
            # A string equal to a value is taken too (callers not yet converted), but
            # only a known one: ValueError for a code the catalog does not list.
            self.code = ErrorCode(code)
        self.details = details


class InvalidInput(ServiceError):
    status = 422
    code = ErrorCode.INVALID


class Unauthorized(ServiceError):
    status = 401
    code = ErrorCode.UNAUTHORIZED


class Forbidden(ServiceError):
    status = 403
    code = ErrorCode.FORBIDDEN


class NotFound(ServiceError):
    status = 404
    code = ErrorCode.NOT_FOUND


class Conflict(ServiceError):
    status = 409
    code = ErrorCode.CONFLICT


class RateLimited(ServiceError):
    status = 429
    code = ErrorCode.RATE_LIMITED

    def __init__(
        self,
        message: str,
        *,
        retry_after: int,
        code: ErrorCode | None = None,
        **details: object,
    ) -> None:
        super().__init__(message, code=code, **details)
        self.retry_after = retry_after


class InsufficientBalance(Conflict):
    code = ErrorCode.INSUFFICIENT_BALANCE


class ProviderError(ServiceError):
    """A payment provider could not be reached or refused the request."""

    status = 502
    code = ErrorCode.PROVIDER_ERROR
