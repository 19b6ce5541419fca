"""Every environment variable the app reads, read here (see PRODUCT.md §1 and the README's
configuration tables, which list the same names).

Most are read once, when this module is imported (`settings`). A few are read at each use,
because tests and the e2e servers change them within one process: the demo provider's pace
and the crash recovery's timings. The model catalog reads the provider variables through
`catalog_environment()`: its TOML file may name further key variables of its own."""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(os.environ.get("METOGPT_DATA_DIR", "data"))

DEFAULT_DEMO_DELAY = 0.02  # seconds per token the demo provider waits
RECOVERY_STALE_SECONDS = 15 * 60.0  # far longer than any answer may stream
RECOVERY_EVERY_SECONDS = 60.0


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _seconds(name: str, default: float, *, zero_allowed: bool) -> float:
    """A number of seconds from the environment; the default when unset or invalid (a bad
    value must not make the recovery settle live answers or spin)."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    in_range = value >= 0 if zero_allowed else value > 0
    return value if math.isfinite(value) and in_range else default


def _jwt_secret() -> str:
    """The signing key: from the environment, else generated once and kept in data/."""
    if secret := os.environ.get("METOGPT_JWT_SECRET"):
        return secret
    path = DATA_DIR / "jwt_secret"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    candidate = secrets.token_urlsafe(48)
    # O_EXCL: when several workers start at once, exactly one secret wins.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(candidate)
    return candidate


def _default_db_url() -> str:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(DATA_DIR / 'metogpt.db').as_posix()}"


def _env(name: str) -> str | None:
    return (os.environ.get(name) or "").strip() or None


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


@dataclass(frozen=True)
class Settings:
    database_url: str = field(
        default_factory=lambda: os.environ.get("DATABASE_URL") or _default_db_url()
    )
    jwt_secret: str = field(default_factory=_jwt_secret)
    token_ttl_seconds: int = field(
        default_factory=lambda: int(os.environ.get("METOGPT_TOKEN_TTL", "86400"))
    )
    start_balance: int = field(
        default_factory=lambda: int(os.environ.get("METOGPT_START_BALANCE", "2000"))
    )
    allow_registration: bool = field(
        default_factory=lambda: _bool("METOGPT_ALLOW_REGISTRATION", True)
    )
    admin_email: str = field(
        default_factory=lambda: os.environ.get("METOGPT_ADMIN_EMAIL", "admin@localhost")
    )
    admin_password: str | None = field(
        default_factory=lambda: os.environ.get("METOGPT_ADMIN_PASSWORD") or None
    )
    cors_origins: list[str] = field(default_factory=lambda: _list("METOGPT_CORS_ORIGINS"))
    # Self-registrations a client address may try per hour (services/accounts.py).
    register_per_hour: int = field(
        default_factory=lambda: int(os.environ.get("METOGPT_REGISTER_PER_HOUR", "10"))
    )
    # Reverse proxies in front of the app: X-Forwarded-For is believed for that many hops
    # (0: ignored, the peer's address is the client's). services/clients.py, rxconfig.py.
    trusted_proxies: int = field(
        default_factory=lambda: int(os.environ.get("METOGPT_TRUSTED_PROXIES", "0"))
    )
    bcrypt_rounds: int = field(
        default_factory=lambda: int(os.environ.get("METOGPT_BCRYPT_ROUNDS", "12"))
    )
    # Serving (rxconfig.py): the one port of UI, websocket and REST, Reflex's state store,
    # and granian's worker processes.
    port: int = field(default_factory=lambda: int(os.environ.get("PORT", "3000")))
    redis_url: str | None = field(
        default_factory=lambda: os.environ.get("REFLEX_REDIS_URL") or None
    )
    granian_workers: str = field(
        default_factory=lambda: os.environ.get("GRANIAN_WORKERS", "").strip()
    )
    respawn_failed_workers: bool = field(
        default_factory=lambda: (
            os.environ.get("GRANIAN_RESPAWN_FAILED_WORKERS", "").strip().lower()
            not in {"0", "false"}
        )
    )

    # Payments (services/gateways.py): each provider is off until its keys are set.
    yookassa_shop_id: str | None = field(default_factory=lambda: _env("METOGPT_YOOKASSA_SHOP_ID"))
    yookassa_secret_key: str | None = field(
        default_factory=lambda: _env("METOGPT_YOOKASSA_SECRET_KEY")
    )
    yookassa_api_url: str = field(
        default_factory=lambda: _env("METOGPT_YOOKASSA_API_URL") or "https://api.yookassa.ru/v3"
    )
    # Addresses or networks notifications may come from ("yookassa": the SDK's published list).
    yookassa_trusted_ips: list[str] = field(
        default_factory=lambda: _list("METOGPT_YOOKASSA_TRUSTED_IPS")
    )
    stripe_secret_key: str | None = field(default_factory=lambda: _env("METOGPT_STRIPE_SECRET_KEY"))
    stripe_webhook_secret: str | None = field(
        default_factory=lambda: _env("METOGPT_STRIPE_WEBHOOK_SECRET")
    )
    stripe_api_base: str = field(
        default_factory=lambda: _env("METOGPT_STRIPE_API_BASE") or "https://api.stripe.com"
    )
    # The largest file POST /api/conversations/import and the account page take, in bytes.
    import_max_bytes: int = field(
        default_factory=lambda: int(os.environ.get("METOGPT_IMPORT_MAX_BYTES", str(50 * 2**20)))
    )
    # Where the provider's page sends the buyer back; unset: the address the request came to.
    public_url: str | None = field(default_factory=lambda: _env("METOGPT_PUBLIC_URL"))


settings = Settings()


def pin_oplock_lease(seconds: int) -> None:
    """Reflex's opportunistic lease of a tab's state (REFLEX_OPLOCK_HOLD_TIME, read by
    Reflex), unless the environment sets one: Reflex's default is half the tab's lock,
    which rxconfig.py lengthens; the lease keeps its own length."""
    os.environ.setdefault("REFLEX_OPLOCK_HOLD_TIME", f"{seconds}s")


def demo_delay() -> float:
    """Seconds per token the demo provider waits between words (METOGPT_DEMO_DELAY, ≥ 0)."""
    return _seconds("METOGPT_DEMO_DELAY", DEFAULT_DEMO_DELAY, zero_allowed=True)


def recovery_stale_seconds() -> float:
    """How old a reservation must be before the recovery may settle it
    (METOGPT_RECOVERY_STALE_SECONDS, > 0)."""
    return _seconds("METOGPT_RECOVERY_STALE_SECONDS", RECOVERY_STALE_SECONDS, zero_allowed=False)


def recovery_every_seconds() -> float:
    """The pause between two recovery passes (METOGPT_RECOVERY_EVERY_SECONDS, > 0)."""
    return _seconds("METOGPT_RECOVERY_EVERY_SECONDS", RECOVERY_EVERY_SECONDS, zero_allowed=False)


def catalog_environment() -> Mapping[str, str]:
    """Where the model catalog finds METOGPT_CONFIG, OPENAI_API_KEY, OPENAI_BASE_URL,
    ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL and the key variables its TOML file names
    (`api_key_env`): the process environment, read when the catalog is loaded."""
    return os.environ


@dataclass(frozen=True)
class UploadLimits:
    """What one user may upload (services/files/): read at each use, like the timings above."""

    file_bytes: int  # one file (METOGPT_UPLOAD_MAX_MB, default 20)
    files_per_message: int  # METOGPT_UPLOAD_MAX_FILES, default 10
    quota_bytes: int  # all of a user's files on disk (METOGPT_UPLOAD_QUOTA_MB, default 1024)
    image_pixels: int  # width × height an upload may decode to (METOGPT_UPLOAD_MAX_PIXELS)


def _positive_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def upload_limits() -> UploadLimits:
    mb = 1024 * 1024
    return UploadLimits(
        file_bytes=_positive_int("METOGPT_UPLOAD_MAX_MB", 20) * mb,
        files_per_message=_positive_int("METOGPT_UPLOAD_MAX_FILES", 10),
        quota_bytes=_positive_int("METOGPT_UPLOAD_QUOTA_MB", 1024) * mb,
        # 50 megapixels: an 8K photo passes, a decompression bomb does not.
        image_pixels=_positive_int("METOGPT_UPLOAD_MAX_PIXELS", 50_000_000),
    )


def uploads_storage_url() -> str | None:
    """METOGPT_S3_URL: where attachments are kept when not in DATA_DIR/uploads
    (services/storage/): `s3://bucket/prefix` or `http(s)://endpoint/bucket/prefix`, with
    the credentials in boto3's usual variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)."""
    return _env("METOGPT_S3_URL")


def uploads_dir() -> Path:
    """The local storage's directory: METOGPT_UPLOADS_DIR, else DATA_DIR/uploads."""
    return Path(_env("METOGPT_UPLOADS_DIR") or DATA_DIR / "uploads")
