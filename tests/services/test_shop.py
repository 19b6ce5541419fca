"""The pages' side of top-ups: the admin's package form read from its text fields (through
the payments service's checks), and the buyer's overview showing only their own payment."""

from __future__ import annotations

import pytest

from metogpt.models import Payment
from metogpt.services import shop
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import Forbidden, InvalidInput
from tests.conftest import Account, make_account


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("199", "RUB", 19900),
        ("199.5", "RUB", 19950),
        ("1 299,99", "USD", 129999),
        ("500", "JPY", 500),
    ],
)
def test_prices_are_read_in_minor_units(text: str, currency: str, minor: int) -> None:
    assert shop.parse_price(text, currency) == minor


@pytest.mark.parametrize(("text", "currency"), [("", "RUB"), ("0", "RUB"), ("-5", "RUB"),
                                                ("1.001", "RUB"), ("1.5", "JPY"), ("abc", "RUB"),
                                                ("nan", "RUB"), ("inf", "RUB")])  # fmt: skip
def test_bad_prices_are_refused(text: str, currency: str) -> None:
    with pytest.raises(InvalidInput):
        shop.parse_price(text, currency)


def test_the_package_form_creates_and_updates_through_the_payments_rules(
    database: str, admin: Account
) -> None:
    with write_session() as s:
        created = shop.save_package(s, admin.actor(), "", " Starter ", "199.00", "rub", "500", True)
    assert (created.name, created.price, created.currency, created.credits) == (
        "Starter", 19900, "RUB", 500)  # fmt: skip
    with write_session() as s:
        updated = shop.save_package(
            s, admin.actor(), created.id, "Starter", "249", "RUB", "600", False
        )
    assert (updated.id, updated.price, updated.credits, updated.active) == (
        created.id, 24900, 600, False)  # fmt: skip
    for bad in (("", "199", "RUB", "5"), ("X", "199", "RU", "5"), ("X", "199", "RUB", "5.5")):
        with pytest.raises(InvalidInput), write_session() as s:
            shop.save_package(s, admin.actor(), "", *bad, True)
    user = make_account()
    with pytest.raises(Forbidden), write_session() as s:
        shop.save_package(s, user.actor(), "", "X", "199", "RUB", "5", True)


def test_the_overview_shows_active_packages_and_only_the_buyers_own_payment(
    database: str, admin: Account
) -> None:
    with write_session() as s:
        on = shop.save_package(s, admin.actor(), "", "On", "100", "RUB", "10", True)
        shop.save_package(s, admin.actor(), "", "Off", "100", "RUB", "10", False)
    buyer, other = make_account(), make_account()
    with write_session() as s:
        mine = Payment(user_id=buyer.user.id, package_id=on.id, package_name="On",
                       provider="yookassa", amount=10000, currency="RUB", credits=10)  # fmt: skip
        theirs = Payment(user_id=other.user.id, package_id=on.id, package_name="On",
                         provider="yookassa", amount=10000, currency="RUB", credits=10)  # fmt: skip
        s.add(mine)
        s.add(theirs)
    with read_session() as s:
        view = shop.overview(s, buyer.user, mine.id)
        assert [p.name for p in view.packages] == ["On"]
        assert view.returned is not None and view.returned.id == mine.id
        assert [p.id for p in view.payments] == [mine.id]
        assert shop.overview(s, buyer.user, theirs.id).returned is None
        assert shop.overview(s, buyer.user, "../x").returned is None
