"""Reserve and settle on PostgreSQL, each ONE statement (services/holds.py runs them).

A reserve or a settle is a few writes that must happen together (the user's balance and
reserved credits, the reservation, the `charge` ledger row, the usage rollups). On
PostgreSQL they are one statement of data-modifying CTEs: one round trip, and on an
autocommit connection (`db.statement_tx()`) no BEGIN and no COMMIT either: the
statement is its own transaction. The price is computed in the statement, in exact
integer arithmetic on NUMERIC, the same as services/coefficients (tests/services/
test_holds_sql.py compares them).

Every change to the user's row is a conditional UPDATE whose condition is what keeps the
books right (the held credits fit in the balance; a charge fits in what is not held by
other answers): under READ COMMITTED PostgreSQL checks it again on the newest version of
the row when another answer changed it meanwhile, as the SQLite path's UPDATEs do. What a
statement computes from its snapshot (the largest answer the balance pays for) is only a
proposal: when the condition no longer holds, nothing is written and holds.reserve tries
again, as before.
"""

from __future__ import annotations

from metogpt.models import CHARGE
from metogpt.services.analytics import rollup_upsert
from metogpt.services.coefficients import SCALE
from metogpt.services.db import Sql


def _int(param: str) -> str:
    return f"CAST(:{param} AS bigint)"


def scaled_sql(coefficient: str) -> str:
    """coefficients.scaled(): the coefficient (text) in ten-thousandths, truncated."""
    return f"trunc(CAST({coefficient} AS numeric) * {SCALE})"


def cost_sql(tokens: str, coefficient: str) -> str:
    """coefficients.cost(): ceil(tokens × coefficient) as a bigint, exactly."""
    scaled = scaled_sql(coefficient)
    return f"CAST(div(CAST({tokens} AS numeric) * {scaled} + {SCALE - 1}, {SCALE}) AS bigint)"


def affordable_sql(credits: str, coefficient: str) -> str:
    """coefficients.affordable_tokens(): the most tokens whose cost fits in `credits`."""
    scaled = scaled_sql(coefficient)
    return (
        f"CASE WHEN {credits} <= 0 THEN 0 "
        f"ELSE div(CAST({credits} AS numeric) * {SCALE}, {scaled}) END"
    )


_COEFFICIENT = "CAST(:coefficient AS text)"

# Holds the prompt plus the largest answer the balance pays for (capped at :max_output);
# no row back when the user is unknown, owes credits or cannot pay for one answer token
# (holds.reserve then says which).
RESERVE = Sql(
    f"""WITH account AS (
    SELECT id, CAST(LEAST({_int("max_output")},
        {affordable_sql("balance - reserved", _COEFFICIENT)} - {_int("prompt_tokens")}) AS bigint)
        AS max_tokens
    FROM "user" WHERE id = CAST(:user_id AS text) AND owed = 0
), hold AS (
    SELECT id, max_tokens, {cost_sql(_int("prompt_tokens") + " + max_tokens", _COEFFICIENT)}
        AS amount
    FROM account WHERE max_tokens >= 1
), held AS (
    UPDATE "user" u SET reserved = u.reserved + hold.amount FROM hold
    WHERE u.id = hold.id AND u.balance - u.reserved >= hold.amount
    RETURNING hold.amount, hold.max_tokens
)
INSERT INTO reservation (id, user_id, amount, model, coefficient, prompt_tokens, max_tokens,
    conversation_id, message_id, api_key_id, created_at)
SELECT :id, :user_id, amount, :model, {_COEFFICIENT}, {_int("prompt_tokens")}, max_tokens,
    :conversation_id, :message_id, :api_key_id, :created_at FROM held
RETURNING amount, max_tokens"""
)

CAPPED = "charge capped at the reserved amount"

# Claims the reservation (the DELETE: of two concurrent settles one gets the row), charges
# ceil(tokens × coefficient) when the balance pays it beside what other answers hold, else
# what was held (the provider used more than was held and the balance is spent: charging
# the hold always fits), returns the rest of the hold, writes the `charge` ledger row and
# adds it to the usage rollups (usage_daily: the slot :slot). Exactly one of the two
# UPDATEs writes the user's row (the second only when the first did not). Returns
# (balance after, credits charged), or no row when the reservation was not there.
SETTLE = Sql(
    f"""WITH claimed AS (
    DELETE FROM reservation WHERE id = CAST(:reservation_id AS text)
    RETURNING user_id, amount AS held, model, coefficient, conversation_id, message_id,
        api_key_id, {cost_sql(_int("tokens"), "coefficient")} AS cost
), in_full AS (
    UPDATE "user" u SET balance = u.balance - c.cost, reserved = u.reserved - c.held
    FROM claimed c WHERE u.id = c.user_id AND u.balance - c.cost >= u.reserved - c.held
    RETURNING u.balance, c.*, c.cost AS charge
), capped AS (
    UPDATE "user" u SET balance = u.balance - c.held, reserved = u.reserved - c.held
    FROM claimed c WHERE u.id = c.user_id AND NOT EXISTS (SELECT FROM in_full)
    RETURNING u.balance, c.*, c.held AS charge
), charged AS (
    SELECT * FROM in_full UNION ALL SELECT * FROM capped
), entry AS (
    INSERT INTO ledger_entry (user_id, kind, amount, balance_after, model, prompt_tokens,
        completion_tokens, coefficient, conversation_id, message_id, reason, actor_id,
        api_key_id, created_at)
    SELECT user_id, '{CHARGE}', -charge, balance, model, {_int("prompt_tokens")},
        {_int("completion_tokens")}, coefficient, conversation_id, message_id,
        CASE WHEN charge = cost THEN NULL ELSE '{CAPPED}' END, NULL, api_key_id, :created_at
    FROM charged WHERE charge > 0
), per_model AS (
    {
        rollup_upsert(
            "usage_daily",
            "model",
            "SELECT :day, COALESCE(model, ''), CAST(:slot AS smallint), "
            f"{_int('tokens')}, charge, 1 FROM charged WHERE charge > 0",
            slotted=True,
        )
    }
), per_user AS (
    {
        rollup_upsert(
            "usage_user_daily",
            "user_id",
            f"SELECT :day, user_id, {_int('tokens')}, charge, 1 FROM charged WHERE charge > 0",
        )
    }
)
SELECT balance, charge FROM charged"""
)
