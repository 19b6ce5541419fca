"""Process-wide settings read once from the environment (see PRODUCT.md §1)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(os.environ.get("METOGPT_DATA_DIR", "data"))


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


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
    bcrypt_rounds: int = field(
        default_factory=lambda: int(os.environ.get("METOGPT_BCRYPT_ROUNDS", "12"))
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
    # Where the provider's page sends the buyer back; unset: the address the request came to.
    public_url: str | None = field(default_factory=lambda: _env("METOGPT_PUBLIC_URL"))


settings = Settings()
