"""Operator commands: python -m metogpt <command> (see --help)."""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlmodel import col, select

from metogpt.models import User
from metogpt.services import accounts, billing, permissions, setup
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import ServiceError
from metogpt.services.permissions import Actor

# Operators at the console act with every permission; ledger rows name them "cli".
CONSOLE = Actor(user_id="cli", role="ADMIN", permissions=permissions.full_matrix())


def _user_id(email: str) -> str:
    with read_session() as session:
        found = session.exec(select(User.id).where(User.email == email.strip().lower())).first()
    if found is None:
        raise ServiceError(f"no user with email {email}")
    return found


def cmd_bootstrap(args: argparse.Namespace) -> int:
    password = setup.bootstrap(recover_all=not args.no_recover)
    if password:
        from metogpt.settings import settings

        print(f"Bootstrap admin created: {settings.admin_email} / password: {password}")
        print("This password is shown once. Change it, or set METOGPT_ADMIN_PASSWORD.")
    return 0


def cmd_migrate(_: argparse.Namespace) -> int:
    setup.migrate()
    return 0


def cmd_reconcile(_: argparse.Namespace) -> int:
    with read_session() as session:
        bad = billing.reconcile(session)
    for m in bad:
        print(
            f"MISMATCH user={m.user_id} balance={m.balance} ledger_sum={m.ledger_sum} "
            f"reserved={m.reserved} open_reservations={m.open_reservations}"
        )
    print(
        "OK: every balance equals the sum of its ledger" if not bad else f"{len(bad)} mismatch(es)"
    )
    return 1 if bad else 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    user = accounts.create(args.email, args.username, args.name, args.password, role="ADMIN")
    print(f"created ADMIN {user.email} ({user.id})")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    # Never from argv (it would sit in the shell history and in `ps`): a prompt on a
    # terminal, else the first line of stdin.
    if sys.stdin.isatty():
        password = getpass.getpass(f"New password for {args.email}: ")
        if getpass.getpass("Again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    user = accounts.set_password(args.email, password)
    print(f"password set for {user.email}; every session of theirs has ended")
    return 0


def cmd_set_balance(args: argparse.Namespace) -> int:
    uid = _user_id(args.email)
    with write_session() as session:
        entry = billing.change_balance(session, CONSOLE, uid, "set", args.amount, args.reason)
    print(f"{args.email}: balance {entry.balance_after if entry else args.amount}")
    return 0


def cmd_add_balance(args: argparse.Namespace) -> int:
    uid = _user_id(args.email)
    with write_session() as session:
        entry = billing.change_balance(session, CONSOLE, uid, "add", args.amount, args.reason)
    print(f"{args.email}: balance {entry.balance_after if entry else '?'}")
    return 0


def cmd_list_balances(_: argparse.Namespace) -> int:
    with read_session() as session:
        rows = session.exec(
            select(User.email, User.role, User.balance, User.reserved).order_by(col(User.email))
        ).all()
    for email, role, balance, reserved in rows:
        print(f"{email}\t{role}\t{balance}\t(reserved {reserved})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metogpt")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("bootstrap", help="migrate, seed roles, ensure an admin, settle leftovers")
    p.add_argument(
        "--no-recover",
        action="store_true",
        help="leave open reservations alone (other instances of the service still run, e.g. "
        "in a rolling deploy; their recovery loop settles abandoned ones)",
    )
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("reconcile", help="check balance == sum(ledger) for every user")
    p = sub.add_parser("create-admin", help="create a user with role ADMIN")
    for name in ("email", "username", "name", "password"):
        p.add_argument(name)
    p = sub.add_parser("set-password", help="set a user's password (read from a prompt or stdin)")
    p.add_argument("email")
    for name, help_ in (("set-balance", "set a balance"), ("add-balance", "add to a balance")):
        p = sub.add_parser(name, help=help_ + " (writes a ledger row)")
        p.add_argument("email")
        p.add_argument("amount", type=int)
        p.add_argument("--reason", required=True, help="why (kept in the ledger row)")
    sub.add_parser("list-balances", help="every user's balance")
    args = parser.parse_args(argv)
    handler = {
        "bootstrap": cmd_bootstrap,
        "migrate": cmd_migrate,
        "reconcile": cmd_reconcile,
        "create-admin": cmd_create_admin,
        "set-password": cmd_set_password,
        "set-balance": cmd_set_balance,
        "add-balance": cmd_add_balance,
        "list-balances": cmd_list_balances,
    }[args.command]
    try:
        return handler(args)
    except ServiceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
