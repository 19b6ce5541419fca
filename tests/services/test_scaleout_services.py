"""What several workers need from the services: the crash recovery's settings and its
handling of answers cut before any text was saved, and streams that flush less often while
handing text over is slow (a busy worker) instead of saturating it."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from metogpt import cli
from metogpt.models import LedgerEntry, Message, MessageStatus, Reservation
from metogpt.services import answers, billing, conversations, setup
from metogpt.services.db import read_session, write_session
from tests.conftest import make_account
from tests.support.calls import in_write, user_row

# --- recovery settings ---------------------------------------------------------------------


def test_recovery_defaults_are_the_safe_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METOGPT_RECOVERY_STALE_SECONDS", raising=False)
    monkeypatch.delenv("METOGPT_RECOVERY_EVERY_SECONDS", raising=False)
    assert setup.stale_after() == timedelta(minutes=15)
    assert setup.recovery_every_seconds() == 60.0


def test_recovery_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METOGPT_RECOVERY_STALE_SECONDS", "40")
    monkeypatch.setenv("METOGPT_RECOVERY_EVERY_SECONDS", "0.5")
    assert setup.stale_after() == timedelta(seconds=40)
    assert setup.recovery_every_seconds() == 0.5


@pytest.mark.parametrize("bad", ["", "soon", "0", "-5", "nan", "inf"])
def test_a_bad_recovery_setting_falls_back_to_the_default(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    # A zero or negative age would settle answers still streaming on other workers.
    monkeypatch.setenv("METOGPT_RECOVERY_STALE_SECONDS", bad)
    monkeypatch.setenv("METOGPT_RECOVERY_EVERY_SECONDS", bad)
    assert setup.stale_after() == setup.STALE_AFTER
    assert setup.recovery_every_seconds() == setup.RECOVERY_EVERY_SECONDS


# --- recovery of what a dead worker left -------------------------------------------------------


def _ask(user_id: str, text: str) -> answers.PreparedAnswer:
    msg = in_write(conversations.post_user_message, user_row(user_id), None, text, "gpt-3.5-turbo")
    return in_write(answers.begin_answer, user_row(user_id), msg.id, "gpt-3.5-turbo")


def _age(reservation_id: str, by: timedelta) -> None:
    with write_session() as s:
        res = s.get(Reservation, reservation_id)
        assert res is not None
        s.exec(
            update(Reservation)
            .where(col(Reservation.id) == reservation_id)
            .values(created_at=res.created_at - by)
        )


def test_recovery_settles_only_reservations_older_than_the_threshold(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METOGPT_RECOVERY_STALE_SECONDS", "600")
    acc = make_account(balance=50_000)  # room for two reservations
    abandoned, live = _ask(acc.id, "left by a dead worker"), _ask(acc.id, "still streaming")
    in_write(answers.append_partials, {abandoned.assistant_message_id: "some text that was shown"})
    _age(abandoned.reservation_id, timedelta(seconds=601))

    assert setup.recover_abandoned() == 1
    with read_session() as s:
        assert s.get(Reservation, abandoned.reservation_id) is None
        kept = s.get(Reservation, live.reservation_id)
        assert kept is not None  # a live answer's reservation: left alone
        cut = s.get(Message, abandoned.assistant_message_id)
        assert cut is not None and cut.status == MessageStatus.CUT
        [charge] = s.exec(
            select(LedgerEntry).where(LedgerEntry.message_id == abandoned.assistant_message_id)
        ).all()
        assert -charge.amount == math.ceil((cut.prompt_tokens or 0) + (cut.completion_tokens or 0))
        assert user_row(acc.id).reserved == kept.amount
        assert billing.reconcile(s) == []


def test_an_answer_cut_before_any_saved_text_is_closed_and_costs_nothing(database: str) -> None:
    acc = make_account(balance=2000)
    p = _ask(acc.id, "the worker died at once")
    with write_session() as s:  # what the next start (or the recovery loop) does
        assert answers.recover(s, timedelta(0)) == 1
    with read_session() as s:
        msg = s.get(Message, p.assistant_message_id)
        assert msg is not None and msg.status == MessageStatus.ERROR  # not "streaming" for ever
        question = s.get(Message, p.user_message_id)
        assert question is not None and question.content == "the worker died at once"
        assert s.exec(select(LedgerEntry).where(LedgerEntry.kind == "charge")).all() == []
        assert billing.reconcile(s) == []
    assert user_row(acc.id).balance == 2000 and user_row(acc.id).reserved == 0


def test_bootstrap_settles_open_answers_unless_told_not_to(database: str) -> None:
    acc = make_account(balance=50_000)
    answer = _ask(acc.id, "in flight while another instance starts")
    assert cli.main(["bootstrap", "--no-recover"]) == 0  # e.g. a rolling deploy
    with read_session() as s:
        assert s.get(Reservation, answer.reservation_id) is not None
    assert cli.main(["bootstrap"]) == 0  # the only instance: nothing can still be running
    with read_session() as s:
        assert s.get(Reservation, answer.reservation_id) is None
        assert billing.reconcile(s) == []
