"""Conversations that travel over REST: the list, archive, export and import (round trip,
LibreChat and ChatGPT files, refusals that write nothing), share links and presets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from metogpt.models import Conversation, LedgerEntry, Message, Role, Share
from metogpt.services import answers, conversations, relay
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import Forbidden, NotFound
from metogpt.services.travel import export, presets, shares
from tests.api.helpers import assert_error
from tests.conftest import Account, make_account
from tests.support.calls import answered_turn, in_write, user_row

EXPORTS = Path(__file__).parent.parent / "fixtures" / "exports"


def _branched(acc: Account) -> str:
    """A billed conversation with two branches (an edited first prompt) and a system prompt."""
    conv = answered_turn(acc.id, None, "First question")
    answered_turn(acc.id, conv, "Second question")
    first = in_write(conversations.thread, user_row(acc.id), conv)[0]
    edited = in_write(conversations.edit_user_message, user_row(acc.id), first.id, "First, edited")
    prepared = in_write(answers.begin_answer, user_row(acc.id), edited.id, "gpt-3.5-turbo")
    asyncio.run(relay.stream_answer(prepared))
    in_write(conversations.set_system_prompt, user_row(acc.id), conv, "Be kind.")
    return conv


def _tree(conversation_id: str) -> set[tuple[Any, ...]]:
    """The conversation's messages as (role, content, model, parent's content): ids aside."""
    with read_session() as s:
        msgs = s.exec(select(Message).where(Message.conversation_id == conversation_id)).all()
        by_id = {m.id: m for m in msgs}
        return {
            (m.role, m.content, m.model, by_id[m.parent_id].content if m.parent_id else None)
            for m in msgs
        }


def _counts() -> tuple[int, int, int]:
    with read_session() as s:
        return (
            s.exec(select(func.count()).select_from(Conversation)).one(),
            s.exec(select(func.count()).select_from(Message)).one(),
            s.exec(select(func.count()).select_from(LedgerEntry)).one(),
        )


def _import(api: TestClient, acc: Account, data: bytes, name: str = "export.json"):
    return api.post(
        "/api/conversations/import",
        files={"file": (name, data, "application/json")},
        headers=acc.headers,
    )


def test_round_trip_brings_back_messages_branches_and_settings(api: TestClient) -> None:
    acc = make_account(balance=50_000)
    conv = _branched(acc)
    before_tree = _tree(conv)
    with read_session() as s:
        original = s.get(Conversation, conv)
        assert original is not None
        leaf = s.get(Message, original.active_leaf_id)
        assert leaf is not None
        leaf_content, system = leaf.content, original.system_prompt
    exported = api.get(f"/api/conversations/{conv}/export?format=json", headers=acc.headers)
    assert exported.status_code == 200
    doc = exported.json()
    charged = [
        m["charged"] for m in doc["conversations"][0]["messages"] if m["role"] == "assistant"
    ]
    assert len(charged) == 3 and all(c > 0 for c in charged)  # charges travel with the file

    in_write(conversations.remove, user_row(acc.id), conv)
    ledger = _counts()[2]
    reply = _import(api, acc, exported.content)

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["format"] == "metogpt" and body["imported"] == 1 and body["skipped"] == []
    new_id = body["conversations"][0]
    assert _tree(new_id) == before_tree
    with read_session() as s:
        back = s.get(Conversation, new_id)
        assert back is not None and back.imported and back.system_prompt == system
        back_leaf = s.get(Message, back.active_leaf_id)
        assert back_leaf is not None and back_leaf.content == leaf_content  # same branch shown
    assert _counts()[2] == ledger  # nothing billed, nothing refunded


def test_chatgpt_export_imports_its_tree_as_branches(api: TestClient) -> None:
    acc = make_account()
    reply = _import(api, acc, (EXPORTS / "chatgpt_conversations.json").read_bytes())

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["format"] == "chatgpt" and body["imported"] == 1
    assert body["skipped"] == [{"title": "Only a hidden system message", "reason": "no_messages"}]
    conv = body["conversations"][0]
    assert _tree(conv) == {
        ("user", "What is the capital of France?", None, None),
        ("assistant", "Paris.", "gpt-4o", "What is the capital of France?"),
        (
            "assistant",
            "The capital of France is **Paris**.",
            "gpt-4o",
            "What is the capital of France?",
        ),
        ("user", "And of Italy?", None, "Paris."),
        ("assistant", "Rome.", "gpt-4o", "And of Italy?"),
        ("user", "And of Spain?", None, "Paris."),
        ("assistant", "Madrid.", "gpt-4o", "And of Spain?"),  # the tool call is left out
    }
    shown = [m.content for m in in_write(conversations.thread, user_row(acc.id), conv)]
    assert shown == ["What is the capital of France?", "Paris.", "And of Spain?", "Madrid."]


def test_librechat_export_imports_branches_and_settings(api: TestClient) -> None:
    acc = make_account()
    reply = _import(api, acc, (EXPORTS / "librechat_export.json").read_bytes())

    assert reply.status_code == 200, reply.text
    assert reply.json()["format"] == "librechat"
    conv = reply.json()["conversations"][0]
    assert _tree(conv) == {
        ("user", "Longest river?", None, None),
        ("assistant", "The Nile, by most measures.", "gpt-4", "Longest river?"),
        ("user", "And in Europe?", None, "The Nile, by most measures."),
        ("assistant", "The Volga.", "gpt-4", "And in Europe?"),
        ("user", "And in Asia?", None, "The Nile, by most measures."),
        ("assistant", "The Yangtze.", "gpt-4", "And in Asia?"),
    }
    with read_session() as s:
        c = s.get(Conversation, conv)
        assert c is not None
        assert (c.title, c.system_prompt, c.temperature, c.top_p) == (
            "Rivers", "You are a geography teacher.", 0.4, 0.9,
        )  # fmt: skip
    assert in_write(conversations.thread, user_row(acc.id), conv)[-1].content == "The Yangtze."


def test_refused_files_write_nothing(api: TestClient) -> None:
    acc, other = make_account(balance=50_000), make_account(balance=50_000)
    conv = _branched(other)
    foreign = api.get(f"/api/conversations/{conv}/export", headers=other.headers).content
    whole = (EXPORTS / "chatgpt_conversations.json").read_bytes()
    before = _counts()

    assert_error(_import(api, acc, whole[: len(whole) // 2]), 422, "import_unreadable")
    assert_error(_import(api, acc, b" " * (60 * 2**20) + whole), 413, "import_too_large")
    assert_error(_import(api, acc, foreign), 403, "import_foreign")
    assert_error(_import(api, acc, b'{"hello": "world"}'), 422, "import_unknown_format")
    broken = json.loads(whole)
    broken[1]["mapping"]["s"]["parent"] = "nowhere"  # the second conversation is broken
    assert_error(_import(api, acc, json.dumps(broken).encode()), 422, "import_invalid")

    assert _counts() == before  # not even the first, valid conversation was written


def test_list_archive_and_markdown(api: TestClient) -> None:
    acc = make_account(balance=50_000)
    first, second = answered_turn(acc.id, None, "One"), answered_turn(acc.id, None, "Two")
    page = api.get("/api/conversations?limit=1", headers=acc.headers).json()
    assert page["total"] == 2 and [c["id"] for c in page["conversations"]] == [second]

    assert api.post(f"/api/conversations/{first}/archive", headers=acc.headers).json()["archived"]
    assert [c.id for c in in_write(conversations.listing, user_row(acc.id))] == [second]  # sidebar
    archived = api.get("/api/conversations?archived=true", headers=acc.headers).json()
    assert [c["id"] for c in archived["conversations"]] == [first]
    api.post(f"/api/conversations/{first}/unarchive", headers=acc.headers)
    assert len(in_write(conversations.listing, user_row(acc.id))) == 2

    md = api.get(f"/api/conversations/{first}/export?format=md", headers=acc.headers)
    assert md.headers["content-type"].startswith("text/markdown")
    assert "## User\n\nOne" in md.text and "## Assistant (gpt-3.5-turbo)" in md.text
    stranger = make_account()
    assert_error(api.post(f"/api/conversations/{first}/archive", headers=stranger.headers), 404)
    assert_error(api.get("/api/conversations"), 401)


def test_export_all_streams_one_document(api: TestClient) -> None:
    acc = make_account(balance=50_000)
    ids = {answered_turn(acc.id, None, f"Question {i}") for i in range(5)}
    chunks = list(export.stream_all(acc.actor(), batch=2))
    assert len(chunks) == 5  # head, three batches of 2+2+1, tail
    doc = json.loads(b"".join(chunks))
    assert {c["id"] for c in doc["conversations"]} == ids
    over_http = api.get("/api/conversations/export", headers=acc.headers)
    assert {c["id"] for c in over_http.json()["conversations"]} == ids


def test_share_snapshot_update_and_revoke(api: TestClient) -> None:
    acc = make_account(balance=50_000)
    conv = answered_turn(acc.id, None, "Shared question")
    made = api.post(f"/api/conversations/{conv}/share", headers=acc.headers)
    assert made.status_code == 200
    token = made.json()["token"]
    assert made.json()["url"].endswith(f"/s/{token}")
    answered_turn(acc.id, conv, "A later, private question")
    with read_session() as s:
        seen = [m.content for m in shares.public(s, token).messages]
    assert seen[0] == "Shared question" and "A later, private question" not in seen

    again = api.post(f"/api/conversations/{conv}/share", headers=acc.headers).json()
    assert again["token"] == token
    with read_session() as s:
        assert "A later, private question" in [m.content for m in shares.public(s, token).messages]
    assert [x["token"] for x in api.get("/api/shares", headers=acc.headers).json()["shares"]] == [
        token
    ]

    # The live page may not be kept by a browser (no heuristic freshness): revoking must
    # show at once. The page itself is the web app's (absent here); the gate's header is ours.
    assert api.get(f"/s/{token}").headers["cache-control"] == "no-store"

    assert_error(api.delete(f"/api/shares/{token}", headers=make_account().headers), 404)
    assert api.delete(f"/api/shares/{token}", headers=acc.headers).status_code == 204
    gone = api.get(f"/s/{token}")
    assert gone.status_code == 404 and gone.headers["cache-control"] == "no-store"
    with read_session() as s:
        assert s.get(Share, token) is None

    # A deleted conversation's link is gone too (and its purge removes the row).
    token = api.post(f"/api/conversations/{conv}/share", headers=acc.headers).json()["token"]
    in_write(conversations.remove, user_row(acc.id), conv)
    with read_session() as s, pytest.raises(NotFound):
        shares.public(s, token)


def _preset(**over: Any) -> dict[str, Any]:
    return {"name": "Terse", "model": "gpt-3.5-turbo", "systemPrompt": "Be terse.",
            "temperature": 0.2, "maxTokens": 100, **over}  # fmt: skip


def test_presets_crud_order_and_limits(api: TestClient) -> None:
    acc = make_account()
    a = api.post("/api/presets", json=_preset(name="A"), headers=acc.headers).json()
    b = api.post("/api/presets", json=_preset(name="B"), headers=acc.headers).json()
    assert (a["position"], b["position"]) == (0, 1) and a["available"]
    moved = api.put(
        f"/api/presets/{b['id']}", json=_preset(name="B2", position=0), headers=acc.headers
    )
    assert moved.status_code == 200 and moved.json()["name"] == "B2"
    listed = api.get("/api/presets", headers=acc.headers).json()["presets"]
    assert [p["name"] for p in listed] == ["B2", "A"]

    assert_error(
        api.post("/api/presets", json=_preset(maxTokens=10**6), headers=acc.headers),
        422,
        "bad_parameter",
    )
    assert_error(
        api.post("/api/presets", json=_preset(model="gpt-4"), headers=acc.headers),
        403,
        "model_not_allowed",
    )
    assert_error(
        api.post("/api/presets", json=_preset(shared=True, roles=["USER"]), headers=acc.headers),
        403,
    )
    assert_error(
        api.put(f"/api/presets/{a['id']}", json=_preset(), headers=make_account().headers), 404
    )
    assert api.delete(f"/api/presets/{a['id']}", headers=acc.headers).status_code == 204
    assert [p["name"] for p in api.get("/api/presets", headers=acc.headers).json()["presets"]] == [
        "B2"
    ]


def test_shared_preset_for_a_lost_model_is_unavailable(api: TestClient, admin: Account) -> None:
    user = make_account("PRO")
    shared = api.post(
        "/api/presets",
        json=_preset(model="gpt-4", shared=True, roles=["PRO"]),
        headers=admin.headers,
    )
    assert shared.status_code == 201, shared.text
    mine = api.get("/api/presets", headers=user.headers).json()["presets"]
    assert [(p["name"], p["shared"], p["available"]) for p in mine] == [("Terse", True, True)]
    assert api.get("/api/presets", headers=make_account().headers).json()["presets"] == []

    with write_session() as s:  # PRO loses gpt-4
        role = s.get(Role, "PRO")
        assert role is not None
        access = dict(role.model_access)
        access["gpt-4"] = {**access["gpt-4"], "enabled": False}
        role.model_access = access
        s.add(role)
    mine = api.get("/api/presets", headers=user.headers).json()["presets"]
    assert mine[0]["available"] is False
    with read_session() as s, pytest.raises(Forbidden) as refused:
        presets.for_chat(s, user.actor(), mine[0]["id"])
    assert refused.value.code == "preset_unavailable"  # never switched to another model
