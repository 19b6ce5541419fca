"""Rate limits of the API: requests and tokens per minute, per key and per user, as the
user's role sets them (`role.api_limits`). Fixed one-minute windows shared by every worker:
counters in Redis when one is configured (REFLEX_REDIS_URL), else rows of `api_window` in
the database, updated in the transaction that reserves the credits.

A request counts when it is admitted; its tokens count when it is settled, so the token
limit refuses the requests that start after a minute's tokens are spent.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, cast

import redis

from metogpt.services.db import Sql, Tx
from metogpt.services.errors import ErrorCode, InvalidInput, RateLimited
from metogpt.settings import settings

NAMES = ("user_rpm", "user_tpm", "key_rpm", "key_tpm")
MAX_LIMIT = 1_000_000_000
_TTL = 120  # seconds a Redis counter outlives its minute

# One command per request each way (a pipeline of three commands per scope cost ~40% more
# CPU, redis-py packing and parsing each): count the request and read the scope's tokens,
# then add the settled tokens. A counter's first write sets its expiry.
_COUNT_SCRIPT = """
local counts = {}
for i = 1, #KEYS, 2 do
  local requests = redis.call('INCR', KEYS[i])
  if requests == 1 then redis.call('EXPIRE', KEYS[i], ARGV[1]) end
  counts[#counts + 1] = requests
  counts[#counts + 1] = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
end
return counts
"""
_SPEND_SCRIPT = """
for i = 1, #KEYS do
  if redis.call('INCRBY', KEYS[i], ARGV[1]) == tonumber(ARGV[1]) then
    redis.call('EXPIRE', KEYS[i], ARGV[2])
  end
end
"""


class _Redis:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.count = self.client.register_script(_COUNT_SCRIPT)
        self.spend = self.client.register_script(_SPEND_SCRIPT)


_redis: _Redis | None = None
_redis_url: str | None = settings.redis_url


def configure(redis_url: str | None) -> None:
    """Use this Redis (None: the database) from now on (tests, the bench)."""
    global _redis, _redis_url
    _redis, _redis_url = None, redis_url


def _client() -> _Redis | None:
    global _redis
    if _redis is None and _redis_url:
        _redis = _Redis(_redis_url)
    return _redis


def remote(limits: Mapping[str, int]) -> bool:
    """Whether counting against these limits takes a round trip to Redis (not something
    to do on the event loop)."""
    return any(name in limits for name in NAMES) and _client() is not None


def parse(raw: Any) -> dict[str, int] | None:
    """A role's limits as given by an admin: {name: positive int} of NAMES (null: none)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) - set(NAMES):
        raise InvalidInput(f"apiLimits takes {', '.join(NAMES)}", code=ErrorCode.BAD_API_LIMITS)
    limits: dict[str, int] = {}
    for name, value in raw.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
            raise InvalidInput(
                f"apiLimits.{name} must be a whole number from 1 to {MAX_LIMIT}",
                code=ErrorCode.BAD_API_LIMITS,
            )
        limits[name] = value
    return limits or None


def _scopes(limits: Mapping[str, int], user_id: str, key_id: str) -> list[tuple[str, str]]:
    """(counter name, limit prefix) for the scopes that have a limit."""
    scopes = []
    if "user_rpm" in limits or "user_tpm" in limits:
        scopes.append((f"u:{user_id}", "user"))
    if "key_rpm" in limits or "key_tpm" in limits:
        scopes.append((f"k:{key_id}", "key"))
    return scopes


def _refuse(what: str, now: float) -> RateLimited:
    retry = 60 - int(now) % 60
    return RateLimited(
        f"rate limit reached: {what} per minute; try again in {retry} s",
        code=ErrorCode.RATE_LIMITED,
        retry_after=retry,
    )


_COUNT_REQUEST = Sql(
    "INSERT INTO api_window (key, minute, requests, tokens) VALUES (:key, :minute, 1, 0) "
    "ON CONFLICT (key, minute) DO UPDATE SET requests = api_window.requests + 1 "
    "RETURNING requests, tokens"
)
_SWEEP = Sql("DELETE FROM api_window WHERE key = :key AND minute < :minute")
_COUNT_TOKENS = Sql(
    "INSERT INTO api_window (key, minute, requests, tokens) VALUES (:key, :minute, 0, "
    ":tokens) ON CONFLICT (key, minute) DO UPDATE SET tokens = api_window.tokens + :tokens"
)


def admit(tx: Tx, limits: Mapping[str, int], user_id: str, key_id: str) -> None:
    """Count one request against the limits, or raise RateLimited (with Retry-After).
    Runs in the reserving transaction: a refused request rolls its count back (database)
    or is not counted (Redis)."""
    scopes = _scopes(limits, user_id, key_id)
    if not scopes:
        return
    now = time.time()
    minute = int(now // 60)
    client = _client()
    if client is not None:
        keys = [f"mgpt:rl:{name}:{kind}:{minute}" for name, _ in scopes for kind in "rt"]
        replies = cast(list[int], client.count(keys=keys, args=[_TTL]))  # a sync client's
        counts = [(int(replies[2 * i]), int(replies[2 * i + 1])) for i in range(len(scopes))]
    else:
        counts = []
        for name, _ in scopes:
            requests, tokens = tx.run(_COUNT_REQUEST, {"key": name, "minute": minute}).fetchone()
            if requests == 1:  # a new minute: the key's older windows are of no more use
                tx.run(_SWEEP, {"key": name, "minute": minute})
            counts.append((requests, tokens))
    refusal = _over(limits, scopes, counts, now)
    if refusal is not None:
        if client is not None:  # a refused request does not count
            pipe = client.client.pipeline(transaction=False)
            for name, _ in scopes:
                pipe.decr(f"mgpt:rl:{name}:r:{minute}")
            pipe.execute()
        raise refusal


def _over(
    limits: Mapping[str, int],
    scopes: list[tuple[str, str]],
    counts: list[tuple[int, int]],
    now: float,
) -> RateLimited | None:
    for (_, scope), (requests, tokens) in zip(scopes, counts, strict=True):
        rpm, tpm = limits.get(f"{scope}_rpm"), limits.get(f"{scope}_tpm")
        if rpm is not None and requests > rpm:
            return _refuse(f"{rpm} requests", now)
        if tpm is not None and tokens >= tpm:
            return _refuse(f"{tpm} tokens", now)
    return None


def spend(tx: Tx, limits: Mapping[str, int], user_id: str, key_id: str, tokens: int) -> None:
    """Count a settled request's tokens (in the settling transaction)."""
    scopes = [s for s in _scopes(limits, user_id, key_id) if f"{s[1]}_tpm" in limits]
    if not scopes or tokens <= 0:
        return
    minute = int(time.time() // 60)
    client = _client()
    if client is not None:
        client.spend(keys=[f"mgpt:rl:{name}:t:{minute}" for name, _ in scopes], args=[tokens, _TTL])
        return
    for name, _ in scopes:
        tx.run(_COUNT_TOKENS, {"key": name, "minute": minute, "tokens": tokens})
