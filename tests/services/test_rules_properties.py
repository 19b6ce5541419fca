"""Property tests (Hypothesis) for the rules every caller relies on: the billing arithmetic
(coefficients with four decimals, ceil, the answer cap of a reservation) and the permission
rules (normalize, grants, no escalation), plus role-name validation (PRODUCT.md §2, §3)."""

from __future__ import annotations

import math
import string
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from metogpt.models import LedgerEntry, Reservation, Role, User
from metogpt.services import coefficients, holds, permissions, roles
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import Forbidden, InsufficientBalance, InvalidInput
from metogpt.services.permissions import CATALOG, Actor
from tests.conftest import make_account

FAST = settings(max_examples=200, deadline=None)
# Examples that touch the database: fewer, and the function-scoped `database` fixture is
# meant to be shared by all examples of one test (each example makes its own user).
DB = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# ---- coefficients -------------------------------------------------------------------------

valid_decimals = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4, allow_nan=False
)
valid_coefficients = valid_decimals.map(lambda d: coefficients.parse(str(d)))


def _exact(coefficient: str) -> Fraction:
    return Fraction(Decimal(coefficient))


@FAST
@given(valid_decimals)
def test_parse_accepts_every_four_decimal_value_in_range_and_round_trips(dec: Decimal) -> None:
    canonical = coefficients.parse(str(dec))
    assert Decimal(canonical) == dec  # the same number, digit for digit
    assert coefficients.parse(canonical) == canonical  # canonical is a fixed point
    assert "E" not in canonical and "e" not in canonical
    assert not canonical.endswith(".") and (
        "." not in canonical or not canonical.endswith("0")
    )  # no trailing zeros: "1.5", not "1.5000"
    as_float = float(dec)
    if Decimal(repr(as_float)) == dec:  # floats that spell the same decimal agree
        assert coefficients.parse(as_float) == canonical


@FAST
@given(
    st.decimals(min_value=Decimal("-2000"), max_value=Decimal("2000"), places=8, allow_nan=False)
)
def test_parse_refuses_out_of_range_and_more_than_four_decimals(dec: Decimal) -> None:
    valid = Decimal(0) < dec <= Decimal(1000) and dec == dec.quantize(Decimal("0.0001"))
    if valid:
        assert Decimal(coefficients.parse(str(dec))) == dec
    else:
        with pytest.raises(InvalidInput):
            coefficients.parse(str(dec))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (1000, "1000"),
        (0.0001, "0.0001"),
        ("1000.0000", "1000"),
        (1.5, "1.5"),
        (0, None),
        (-1, None),
        (1000.00001, None),
        (1.23456, None),
        (1000.0001, None),
        (float("nan"), None),
        (float("inf"), None),
        ("NaN", None),
        ("-Infinity", None),
        (True, None),
        (None, None),
        ([1], None),
    ],
    ids=repr,
)
def test_parse_examples(value: Any, ok: str | None) -> None:
    if ok is None:
        with pytest.raises(InvalidInput):
            coefficients.parse(value)
    else:
        assert coefficients.parse(value) == ok


anything = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\s*[-+]?\d{0,5}(\.\d{0,7})?([eE][-+]?\d{1,3})?\s*", fullmatch=True),
    st.floats(),
    st.integers(),
    st.booleans(),
    st.none(),
    st.decimals().map(str),
    st.lists(st.integers(), max_size=2),
)


@FAST
@given(anything)
def test_parse_either_returns_a_valid_coefficient_or_refuses_cleanly(value: Any) -> None:
    try:
        canonical = coefficients.parse(value)
    except InvalidInput:
        return  # the only way it may refuse: never a crash, never another error
    dec = Decimal(canonical)
    assert dec.is_finite() and Decimal(0) < dec <= Decimal(1000)
    assert dec == dec.quantize(Decimal("0.0001"))
    assert not isinstance(value, bool)


@FAST
@given(st.integers(min_value=0, max_value=10**9), valid_coefficients)
def test_cost_is_the_exact_ceiling(tokens: int, coefficient: str) -> None:
    cost = coefficients.cost(tokens, coefficient)
    assert cost == math.ceil(tokens * _exact(coefficient))
    assert cost >= 0 and (cost == 0) == (tokens == 0)


@FAST
@given(st.integers(min_value=0, max_value=10**6), valid_coefficients, valid_coefficients)
def test_cost_grows_with_tokens_and_coefficient(tokens: int, c1: str, c2: str) -> None:
    assert coefficients.cost(tokens, c1) <= coefficients.cost(tokens + 1, c1)
    if _exact(c1) <= _exact(c2):
        assert coefficients.cost(tokens, c1) <= coefficients.cost(tokens, c2)
    assert coefficients.cost(tokens, "1") == tokens


@FAST
@given(st.integers(min_value=-(10**6), max_value=10**12), valid_coefficients)
def test_affordable_tokens_is_the_largest_count_that_fits(credits: int, coefficient: str) -> None:
    n = coefficients.affordable_tokens(credits, coefficient)
    if credits <= 0:
        assert n == 0
        return
    assert n >= 0
    assert coefficients.cost(n, coefficient) <= credits
    assert coefficients.cost(n + 1, coefficient) > credits


@DB
@given(
    balance=st.integers(min_value=0, max_value=10**6),
    coefficient=valid_coefficients,
    prompt=st.integers(min_value=0, max_value=5000),
    max_output=st.integers(min_value=1, max_value=8192),
    used_share=st.fractions(min_value=0, max_value=1),
)
def test_reserve_caps_the_answer_to_what_the_balance_pays_and_settle_charges_exactly(
    database: str,
    balance: int,
    coefficient: str,
    prompt: int,
    max_output: int,
    used_share: Fraction,
) -> None:
    acc = make_account(balance=balance)
    affordable = coefficients.affordable_tokens(balance, coefficient)
    expected = min(max_output, affordable - prompt)
    try:
        with write_session() as s:
            hold = holds.reserve(
                s,
                acc.id,
                model="gpt-4",
                coefficient=coefficient,
                prompt_tokens=prompt,
                max_output=max_output,
            )
    except InsufficientBalance:
        assert expected < 1  # refused only when prompt + one answer token cannot be paid
        assert coefficients.cost(prompt + 1, coefficient) > balance
        assert _books(acc.id) == (balance, 0, 0, balance)  # nothing held, nothing written
        return
    assert expected >= 1
    assert hold.max_tokens == expected
    assert hold.amount == coefficients.cost(prompt + expected, coefficient) <= balance
    if expected < max_output:  # one more answer token would not have been payable
        assert coefficients.cost(prompt + expected + 1, coefficient) > balance
    assert _books(acc.id) == (balance, hold.amount, 1, balance)

    completion = int(expected * used_share)
    with write_session() as s:
        entry = holds.settle(s, hold.reservation_id, prompt, completion)
    charged = coefficients.cost(prompt + completion, coefficient)
    assert charged <= hold.amount
    assert (entry.amount if entry else 0) == -charged
    assert _books(acc.id) == (balance - charged, 0, 0, balance - charged)


def _books(user_id: str) -> tuple[int, int, int, int]:
    """(balance, reserved, open reservations, sum of the ledger)."""
    with read_session() as s:
        user = s.get(User, user_id)
        assert user is not None
        open_holds = s.exec(
            select(func.count()).select_from(Reservation).where(Reservation.user_id == user_id)
        ).one()
        ledger = s.exec(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.user_id == user_id
            )
        ).one()
        return user.balance, user.reserved, open_holds, int(ledger)


# ---- permissions --------------------------------------------------------------------------

ALL_GRANTS = [(t, a) for t, actions in CATALOG.items() for a in actions]


@st.composite
def matrices(draw: st.DrawFn) -> dict[str, dict[str, bool]]:
    """Partial matrices as a client would send them: any subset of types and actions."""
    matrix: dict[str, dict[str, bool]] = {}
    for ptype, actions in CATALOG.items():
        if draw(st.booleans()):
            matrix[ptype] = {a: draw(st.booleans()) for a in actions if draw(st.booleans())}
    return matrix


@FAST
@given(matrices())
def test_normalize_fills_the_full_matrix_and_round_trips(raw: dict) -> None:
    full = permissions.normalize(raw)
    assert {t: set(a) for t, a in full.items()} == {t: set(a) for t, a in CATALOG.items()}
    for ptype, action in ALL_GRANTS:
        assert full[ptype][action] is raw.get(ptype, {}).get(action, False)
    assert permissions.normalize(full) == full
    assert permissions.grants(full) == permissions.grants(raw)
    for ptype, action in ALL_GRANTS:
        assert permissions.has(full, ptype, action) == ((ptype, action) in permissions.grants(raw))


@FAST
@given(matrices(), st.text(max_size=20).filter(lambda k: k not in CATALOG), st.booleans())
def test_normalize_rejects_unknown_types(raw: dict, key: str, value: bool) -> None:
    with pytest.raises(InvalidInput):
        permissions.normalize({**raw, key: {"READ": value}})


@FAST
@given(matrices(), st.sampled_from(list(CATALOG)), st.text(max_size=20), st.booleans())
def test_normalize_rejects_unknown_actions(raw: dict, ptype: str, action: str, v: bool) -> None:
    assume(action not in CATALOG[ptype])
    with pytest.raises(InvalidInput):
        permissions.normalize({**raw, ptype: {**raw.get(ptype, {}), action: v}})


@FAST
@given(
    matrices(),
    st.sampled_from(ALL_GRANTS),
    st.one_of(st.integers(), st.floats(), st.text(), st.none(), st.lists(st.booleans())),
)
def test_normalize_rejects_values_that_are_not_booleans(
    raw: dict, grant: tuple[str, str], value: Any
) -> None:
    ptype, action = grant
    with pytest.raises(InvalidInput):
        permissions.normalize({**raw, ptype: {**raw.get(ptype, {}), action: value}})


@FAST
@given(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.text())))
def test_normalize_rejects_anything_but_an_object(raw: Any) -> None:
    with pytest.raises(InvalidInput):
        permissions.normalize(raw)


@FAST
@given(matrices(), matrices())
def test_no_escalation_refuses_exactly_what_the_actor_lacks(a: dict, b: dict) -> None:
    actor, target = permissions.normalize(a), permissions.normalize(b)
    lacking = permissions.grants(target) - permissions.grants(actor)
    if lacking:
        with pytest.raises(Forbidden) as refused:
            permissions.require_no_escalation(actor, target, "role X")
        assert refused.value.code == "escalation"
        assert refused.value.details["missing"] == sorted(f"{t}.{x}" for t, x in lacking)
    else:
        permissions.require_no_escalation(actor, target, "role X")  # does not raise
    permissions.require_no_escalation(actor, actor, "itself")
    permissions.require_no_escalation(permissions.full_matrix(), target, "anything")
    permissions.require_no_escalation(actor, permissions.empty_matrix(), "nothing")


@DB
@given(matrices(), matrices())
def test_creating_a_role_escalates_never(database: str, a: dict, b: dict) -> None:
    """The same rule through the roles service: with ROLE_MANAGEMENT.CREATE, a role may be
    created iff it holds nothing the creator lacks. Each example is rolled back."""
    a = permissions.normalize(a)
    a["ROLE_MANAGEMENT"]["CREATE"] = True
    actor = Actor("someone", "CUSTOM", a)
    allowed = permissions.grants(permissions.normalize(b)) <= permissions.grants(a)

    class Rollback(Exception):
        pass

    try:
        with write_session() as s:
            view = roles.create(s, actor, "Candidate", b, {})
            assert allowed and permissions.grants(view.permissions) == permissions.grants(b)
            raise Rollback
    except Forbidden as refused:
        assert not allowed and refused.code == "escalation"
    except Rollback:
        pass
    with read_session() as s:
        assert s.get(Role, "Candidate") is None


# ---- role names ---------------------------------------------------------------------------

NAME_CHARS = string.ascii_letters + string.digits + "_-"


def _valid_name(name: str) -> bool:
    return (
        1 <= len(name) <= 32
        and name[0] in string.ascii_letters
        and all(ch in NAME_CHARS for ch in name)
    )


names = st.one_of(
    st.text(alphabet=NAME_CHARS, max_size=34),
    st.text(alphabet=NAME_CHARS + " \n\t\u200b.Рé\x00Ａ", max_size=34),
    st.text(max_size=34),
)


@FAST
@given(names)
def test_role_names_are_ascii_letters_digits_underscore_dash(name: str) -> None:
    if _valid_name(name):
        assert roles.validate_name(name) == name
    else:
        with pytest.raises(InvalidInput):
            roles.validate_name(name)


@FAST
@given(st.text(alphabet=NAME_CHARS, min_size=1, max_size=31).filter(_valid_name))
def test_a_trailing_newline_does_not_slip_through(name: str) -> None:
    with pytest.raises(InvalidInput):
        roles.validate_name(name + "\n")
