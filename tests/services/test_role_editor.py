"""The dashboard's role editor: its form is decoded and checked by the roles service, through
the same rules as the REST API."""

from __future__ import annotations

import dataclasses

import pytest

from metogpt.services import grants, permissions, role_editor, roles
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import ErrorCode, Forbidden, InvalidInput, ServiceError
from metogpt.services.permissions import Actor, full_matrix


def _admin() -> Actor:
    return Actor("test", "ADMIN", full_matrix())


def _form(name: str | None) -> role_editor.EditorForm:
    with read_session() as s:
        return role_editor.editor_form(roles.view(s, _admin(), name) if name else None)


def test_a_new_role_from_the_form(database: str) -> None:
    form = _form(None)
    assert not any(form.perms.values()) and not any(m.enabled for m in form.models)
    form.perms["ANALYTICS.READ"] = True
    form.models[0].enabled, form.models[0].coefficient = True, "2.5"
    with write_session() as s:
        view = role_editor.save_from_editor(s, _admin(), "Analyst", True, form)
    assert permissions.grants(view.permissions) == {("ANALYTICS", "READ")}
    assert {m: g.coefficient for m, g in view.model_access.items() if g.enabled} == {
        form.models[0].model: "2.5"
    }
    with read_session() as s:  # disabled rows are not stored for an ordinary role
        assert set(roles.get(s, "Analyst").model_access or {}) == {form.models[0].model}


def test_the_form_shows_a_role_as_stored(database: str) -> None:
    form = _form("PRO")
    assert {m.model: m.coefficient for m in form.models if m.enabled} == {
        "gpt-3.5-turbo": "1",
        "gpt-4": "1.5",
        "claude-3": "1.8",
    }
    assert set(form.perms) == {f"{t}.{a}" for t, acts in permissions.CATALOG.items() for a in acts}


@pytest.mark.parametrize(
    ("key", "value"),
    [("NOPE.READ", True), ("ANALYTICS.WRITE", True), ("ANALYTICS", True), ("ANALYTICS.READ", 1)],
)
def test_a_forged_permission_key_is_refused(database: str, key: str, value: object) -> None:
    form = _form("PRO")
    form.perms[key] = value  # type: ignore[assignment]  # as a websocket client could send
    with pytest.raises(InvalidInput), write_session() as s:
        role_editor.save_from_editor(s, _admin(), "PRO", False, form)


@pytest.mark.parametrize("coefficient", ["0", "-1", "abc", "1001", "1.23456", "nan"])
def test_a_bad_coefficient_is_refused_and_nothing_changes(database: str, coefficient: str) -> None:
    before = _form("PRO")
    form = _form("PRO")
    form.models[0].enabled, form.models[0].coefficient = True, coefficient
    with pytest.raises(InvalidInput) as refused, write_session() as s:
        role_editor.save_from_editor(s, _admin(), "PRO", False, form)
    assert _form("PRO") == before
    model = form.models[0].model
    # said in the editor's words, about the row's field: no API path in it
    assert refused.value.details == {"field": f"model:{model}", "model": model}
    assert refused.value.message.startswith(f"Coefficient for {model} must be a number above 0")
    assert "modelAccess" not in refused.value.message


def test_admin_keeps_a_disabled_model_disabled(database: str) -> None:
    form = _form("ADMIN")
    model = form.models[0].model
    form.models[0].enabled = False
    with write_session() as s:
        role_editor.save_from_editor(s, _admin(), "ADMIN", False, form)
    with read_session() as s:
        role = roles.get(s, "ADMIN")
        assert model not in roles.enabled_models(role) and model in (role.model_access or {})


def test_the_editor_cannot_escalate(database: str) -> None:
    limited = Actor("x", "X", permissions.normalize({"ROLE_MANAGEMENT": {"CREATE": True}}))
    form = _form(None)
    form.perms["BALANCE_MANAGEMENT.UPDATE"] = True
    with pytest.raises(Forbidden) as refused, write_session() as s:
        role_editor.save_from_editor(s, limited, "Sneaky", True, form)
    assert refused.value.code == ErrorCode.ESCALATION
    assert refused.value.details["field"] == "permissions"


@pytest.mark.parametrize(
    ("name", "code"), [("9lives", ErrorCode.INVALID), ("pro", ErrorCode.ROLE_EXISTS)]
)
def test_a_bad_or_taken_name_is_about_the_name_field(
    database: str, name: str, code: ErrorCode
) -> None:
    with pytest.raises(ServiceError) as refused, write_session() as s:
        role_editor.save_from_editor(s, _admin(), name, True, _form(None))
    assert refused.value.code == code and refused.value.details["field"] == "name"


def test_who_may_open_the_admin_area() -> None:
    none = permissions.empty_matrix()
    assert not permissions.can_open_admin(Actor("u", "USER", none))
    for ptype in permissions.CATALOG:
        one = permissions.normalize({ptype: {"READ": True}})
        assert permissions.can_open_admin(Actor("u", "X", one)), ptype
    writes_only = permissions.normalize({"ROLE_MANAGEMENT": {"CREATE": True}})
    assert not permissions.can_open_admin(Actor("u", "X", writes_only))


def test_the_grant_field_is_saved_like_the_rest_apis_grant(database: str) -> None:
    form = _form("USER")
    assert form.grant == grants.GrantForm()  # off until set
    on = dataclasses.replace(form, grant=grants.GrantForm(True, "1 000", "2", "weeks", "reset"))
    with write_session() as s:
        view = role_editor.save_from_editor(s, _admin(), "USER", False, on)
    assert view.grant == {"amount": 1000, "every": 2, "unit": "weeks", "mode": "reset"}
    assert _form("USER").grant == grants.GrantForm(True, "1000", "2", "weeks", "reset")
    for bad in (("", "1"), ("12.5", "1"), ("100", "0"), ("100", "x")):
        wrong = dataclasses.replace(form, grant=grants.GrantForm(True, *bad))
        with pytest.raises(InvalidInput), write_session() as s:
            role_editor.save_from_editor(s, _admin(), "USER", False, wrong)
    # A role manager without the balance power saves other changes, the grant untouched...
    manager = Actor(
        "m", "ROLEMGR", permissions.normalize({"ROLE_MANAGEMENT": {"READ": True, "UPDATE": True}})
    )
    with write_session() as s:
        role_editor.save_from_editor(s, manager, "USER", False, _form("USER"))
    # ...but cannot change it.
    off = dataclasses.replace(_form("USER"), grant=grants.GrantForm())
    with pytest.raises(Forbidden), write_session() as s:
        role_editor.save_from_editor(s, manager, "USER", False, off)
    with write_session() as s:
        role_editor.save_from_editor(s, _admin(), "USER", False, off)
    with read_session() as s:
        assert roles.get(s, "USER").grant_policy is None


def test_the_api_limits_are_saved_like_the_rest_apis_api_limits(database: str) -> None:
    form = _form("PRO")
    assert form.limits == role_editor.LimitsForm()  # none until set
    typed = role_editor.LimitsForm(user_rpm="60", user_tpm="100 000", key_rpm="", key_tpm=" ")
    with write_session() as s:
        view = role_editor.save_from_editor(
            s, _admin(), "PRO", False, dataclasses.replace(form, limits=typed)
        )
    assert view.api_limits == {"user_rpm": 60, "user_tpm": 100_000}
    with read_session() as s:  # what the gateway reads
        assert roles.get(s, "PRO").api_limits == {"user_rpm": 60, "user_tpm": 100_000}
    assert _form("PRO").limits == role_editor.LimitsForm(user_rpm="60", user_tpm="100000")
    # every field emptied: no limits at all (stored as null, as `apiLimits: null` does)
    cleared = dataclasses.replace(_form("PRO"), limits=role_editor.LimitsForm())
    with write_session() as s:
        role_editor.save_from_editor(s, _admin(), "PRO", False, cleared)
    with read_session() as s:
        assert roles.get(s, "PRO").api_limits is None


@pytest.mark.parametrize("typed", ["0", "-5", "1.5", "x", "1e3", "²", "1000000001", "٣"])
def test_a_bad_api_limit_is_refused_by_its_field_and_nothing_changes(
    database: str, typed: str
) -> None:
    with write_session() as s:
        roles.update(s, _admin(), "PRO", api_limits={"key_rpm": 5})
    form = dataclasses.replace(
        _form("PRO"), limits=role_editor.LimitsForm(key_rpm="7", key_tpm=typed)
    )
    with pytest.raises(InvalidInput) as refused, write_session() as s:
        role_editor.save_from_editor(s, _admin(), "PRO", False, form)
    assert refused.value.code == ErrorCode.BAD_API_LIMITS
    assert refused.value.details == {"field": "limit:key_tpm"}
    assert "apiLimits" not in refused.value.message
    with read_session() as s:
        assert roles.get(s, "PRO").api_limits == {"key_rpm": 5}


def test_a_new_role_takes_its_api_limits(database: str) -> None:
    form = dataclasses.replace(_form(None), limits=role_editor.LimitsForm(key_rpm="10"))
    with write_session() as s:
        view = role_editor.save_from_editor(s, _admin(), "Metered", True, form)
    assert view.api_limits == {"key_rpm": 10}
