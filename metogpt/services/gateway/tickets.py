"""The books' side of one API request: admitted and reserved before the provider is
called (`admit`), settled after (`settle`): the chat's holds.reserve and holds.settle, so
the same formula, the same one `charge` row (carrying the key's id) and the same crash
recovery (answers.recover: the reservation's `streamed_tokens`, saved by `save_progress`).

Each runs in one transaction on the driver's connection: the key lookup, the rate limits
and the reservation are one round of statements, no ORM (the hot path).
"""

from __future__ import annotations

from dataclasses import dataclass

from metogpt.services import holds, keys
from metogpt.services.catalog import ModelSpec, ProviderKind, get_catalog
from metogpt.services.db import Sql, Tx, read_tx, write_tx, write_tx_now
from metogpt.services.errors import ErrorCode, Forbidden
from metogpt.services.gateway import limits
from metogpt.services.gateway.calls import Call
from metogpt.services.gateway.errors import GatewayError
from metogpt.services.keys import KeyGrant
from metogpt.services.llm.tokens import with_margin


@dataclass(frozen=True, slots=True)
class Ticket:
    grant: KeyGrant
    spec: ModelSpec
    kind: ProviderKind
    reservation_id: str
    max_tokens: int  # what the upstream may answer: the client's cap, the model's, the balance's
    prompt_tokens: int  # the local count the reservation was sized on


def models(secret: str | None) -> list[str]:
    """The models a key may use, in catalog order."""
    with read_tx() as tx:
        return list(keys.authenticate(tx, secret).models)


def admit(secret: str | None, call: Call | GatewayError) -> Ticket:
    """Authenticate the key (first: a bad key is a 401 whatever the body), then check the
    request, the model, the rate limits and reserve its credits. Raises ServiceError or
    GatewayError; nothing is kept when it does."""
    with write_tx() as tx:
        return _admit(tx, secret, call)


class _NotHere(Exception):
    """The key's rate limits are counted in Redis: a round trip, not for the event loop."""


def admit_now(secret: str | None, call: Call | GatewayError) -> Ticket | None:
    """admit() if it can be done at once on the event loop, else None (nothing kept): the
    database lets a transaction begin without waiting (db.write_tx_now) and the key's
    limits, if any, are counted in the database. The loop then runs admit() in a thread."""
    try:
        with write_tx_now() as tx:
            return None if tx is None else _admit(tx, secret, call, on_loop=True)
    except _NotHere:
        return None


def _admit(tx: Tx, secret: str | None, call: Call | GatewayError, on_loop: bool = False) -> Ticket:
    grant = keys.authenticate(tx, secret)
    if isinstance(call, GatewayError):
        raise call
    if on_loop and limits.remote(grant.limits):
        raise _NotHere
    coefficient = grant.models.get(call.model)
    spec = get_catalog().get(call.model)
    if coefficient is None or spec is None:
        raise Forbidden(
            f"the model {call.model[:64]!r} does not exist or this key may not use it",
            code=ErrorCode.MODEL_NOT_ALLOWED,
        )
    limits.admit(tx, grant.limits, grant.user_id, grant.key_id)
    kind = get_catalog().provider_for(spec.name).kind
    prompt = with_margin(call.prompt_tokens, kind)
    cap = min(call.max_tokens or spec.max_output, spec.max_output)
    hold = holds.reserve(
        tx,
        grant.user_id,
        model=spec.name,
        coefficient=coefficient,
        prompt_tokens=prompt,
        max_output=cap,
        api_key_id=grant.key_id,
    )
    return Ticket(grant, spec, kind, hold.reservation_id, hold.max_tokens, prompt)


def settle(ticket: Ticket, prompt_tokens: int, completion_tokens: int) -> int:
    """Charge what was used, return the rest of the hold; the credits charged."""
    with write_tx() as tx:
        return settle_in(tx, ticket, prompt_tokens, completion_tokens)


def settle_in(tx: Tx, ticket: Ticket, prompt_tokens: int, completion_tokens: int) -> int:
    """settle() in the caller's transaction (settlements.py: several in one)."""
    charge = holds.settle(tx, ticket.reservation_id, prompt_tokens, completion_tokens)
    spent = -charge.amount if charge else 0
    grant = ticket.grant
    keys.record_use(tx, grant.key_id, spent)
    limits.spend(tx, grant.limits, grant.user_id, grant.key_id, prompt_tokens + completion_tokens)
    return spent


_PROGRESS = Sql("UPDATE reservation SET streamed_tokens = :tokens WHERE id = :id")


def save_progress(ticket: Ticket, completion_tokens: int) -> None:
    """What a crash would leave to charge: the tokens streamed so far."""
    with write_tx() as tx:
        tx.run(_PROGRESS, {"id": ticket.reservation_id, "tokens": completion_tokens})
