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
    cors_origins: list[str] = field(
        default_factory=lambda: [
            o.strip() for o in os.environ.get("METOGPT_CORS_ORIGINS", "").split(",") if o.strip()
        ]
    )
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


settings = Settings()
