"""What the network tells about a caller: the client's address behind trusted proxies, and
which page origins may open the websocket (the served app's handshake is tested in
tests/e2e/test_websocket_origin.py)."""

from __future__ import annotations

import dataclasses

import pytest

from metogpt.services import clients
from metogpt.settings import settings


def _settings(monkeypatch: pytest.MonkeyPatch, **changes: object) -> None:
    monkeypatch.setattr(clients, "settings", dataclasses.replace(settings, **changes))


def test_the_address_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    assert clients.client_address("198.51.100.1", "192.0.2.1") == "198.51.100.1"
    assert clients.client_address(None, None) == "unknown"
    _settings(monkeypatch, trusted_proxies=2)
    assert clients.client_address("10.0.0.1", "6.6.6.6, 192.0.2.1, 10.0.0.2") == "192.0.2.1"
    # Fewer hops than proxies: the header did not come through them all; the peer counts.
    assert clients.client_address("10.0.0.1", "192.0.2.1") == "10.0.0.1"


def test_own_origins_by_any_name(monkeypatch: pytest.MonkeyPatch) -> None:
    _settings(monkeypatch, cors_origins=[])
    allowed = clients.origin_allowed
    assert allowed("http://chat.example.com:3000", "chat.example.com:3000")
    assert allowed("https://chat.example.com", "chat.example.com")
    assert allowed("https://chat.example.com", "Chat.Example.com:443")
    assert not allowed("https://evil.example", "chat.example.com")
    assert not allowed("https://chat.example.com.evil.example", "chat.example.com")
    assert not allowed("http://chat.example.com:4000", "chat.example.com:3000")
    assert not allowed("null", "chat.example.com")
    assert not allowed("https://chat.example.com", None)
    # X-Forwarded-Host is the client's to write unless a trusted proxy sets it.
    assert not allowed("https://evil.example", "app:3000", "evil.example")
    _settings(monkeypatch, cors_origins=[], trusted_proxies=1)
    assert allowed("https://chat.example.com", "app:3000", "chat.example.com")


def test_listed_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    _settings(monkeypatch, cors_origins=["https://partner.example"])
    assert clients.origin_allowed("https://partner.example", "chat.example.com")
    assert not clients.origin_allowed("http://partner.example", "chat.example.com")
