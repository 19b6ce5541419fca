"""Schemathesis against /api/openapi.json with an admin token: no 5xx, no response that
breaks its own schema or status codes, invalid input refused, valid input accepted."""

from __future__ import annotations

import zlib
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from metogpt.api import build_api
from tests.conftest import Account, make_account

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {
            # Unknown query parameters are ignored, as by most HTTP APIs: not invalid input.
            "allow-extra-parameters": False,
            # The Bearer token is ours to send (a fresh admin per test), not fuzzed; the 401
            # paths have their own tests.
            "with-security-parameters": False,
        },
        "operations": [
            {
                # The users service trims text and refuses control or invisible characters,
                # which JSON Schema cannot express: those documented 422s for schema-valid
                # strings are not contract breaks. Everything else is checked here too.
                "include-path": "/api/auth/register",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            {
                # An upload is judged by its bytes (an image, a PDF or UTF-8 text, not
                # empty), which a schema's `format: binary` cannot say: its 415s and 422s
                # for schema-valid bytes are documented refusals (tests/api/test_files_api.py).
                # Form fields other than `file` are ignored, like unknown query parameters.
                "include-path": "/api/files",
                "checks": {
                    "positive_data_acceptance": {"enabled": False},
                    "negative_data_rejection": {"enabled": False},
                },
            },
            {
                # A change is refused when the balance it leads to would pass the ceiling
                # (422 too_large): a limit on the user's current balance, not on the body
                # (tests/api/test_balances.py covers it).
                "include-path": "/api/admin/users/{userId}/balance",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            {
                # An import is judged by the file's content (JSON of a known export format,
                # tests/api/test_travel.py): schema-valid bytes are mostly refused, 413/422.
                "include-path": "/api/conversations/import",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            {
                # A key's or a preset's name is trimmed and refused when empty or holding
                # control characters; its model must be one of the caller's role, an expiry
                # must lie ahead: documented 422s no JSON Schema can say
                # (tests/gateway, tests/api/test_travel.py).
                "include-path-regex": "^/api/(me/keys|presets)$",
                "include-method": "POST",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
        ],
    }
)
schema = schemathesis.openapi.from_asgi("/api/openapi.json", build_api(), config=CONFIG)


@pytest.fixture
def known(admin: Account) -> dict[str, list[str]]:
    """Real ids and names: random ones would only ever reach the 404 paths."""
    others = [make_account("USER"), make_account("PRO")]
    return {
        "userId": [admin.id, *(a.id for a in others)],
        "roleName": ["ADMIN", "USER", "PRO"],
    }


def _aim(case: Any, known: dict[str, list[str]]) -> None:
    """Point most path parameters (and role names in bodies) of valid cases at something
    that exists. The choice is a function of the generated value, so Hypothesis replays and
    shrinks it faithfully. Invalid (negative) cases are left as generated: schemathesis
    judges them by what it generated, and a real id would make them valid."""
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    for name, values in known.items():
        generated = (case.path_parameters or {}).get(name)
        if generated is not None:
            pick = zlib.crc32(repr(generated).encode()) % (len(values) + 1)
            if pick < len(values):
                case.path_parameters[name] = values[pick]
    # The same for the role a user is given: otherwise only the 404 path is reached.
    if isinstance(case.body, dict) and isinstance(case.body.get("role"), str):
        role_names = known["roleName"]
        pick = zlib.crc32(case.body["role"].encode()) % (len(role_names) + 1)
        if pick < len(role_names):
            case.body["role"] = role_names[pick]


# Every health check but the deprecated ones (iterating HealthCheck skips those, and warns
# for none); pyright takes hypothesis's enum metaclass for the members' type.
ALL_CHECKS: list[HealthCheck] = list(HealthCheck)  # pyright: ignore[reportAssignmentType]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=ALL_CHECKS)
def test_api_contract(case: Any, admin: Account, known: dict[str, list[str]]) -> None:
    _aim(case, known)
    case.call_and_validate(headers=admin.headers)
