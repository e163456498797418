"""Tokens in the real keyring, grants and the switch in the real settings file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.secrets import SecretStore
from desktop.gateway.app_access import NOT_LISTENING, AppAccessBook
from desktop.gateway.control import token_secret
from tests.e2e.conftest import settings_in

pytestmark = pytest.mark.anyio


async def test_an_app_gets_one_token_and_only_the_servers_granted(
    tmp_path: Path, keyring_store: SecretStore
) -> None:
    book = AppAccessBook(settings_in(tmp_path), keyring_store)

    first = await book.add_app("cursor")
    token = keyring_store.get(token_secret("cursor"))
    again = await book.add_app("cursor")

    assert first.servers == () and again.label == "Cursor"
    assert token and keyring_store.get(token_secret("cursor")) == token, "a second call keeps the token"
    await book.grant("cursor", ["files", "files", "notes"])
    saved = json.loads((tmp_path / "config.json").read_text())["settings"]["gateway"]
    assert saved["apps"] == {"cursor": {"servers": ["files", "notes"]}}
    assert token not in (tmp_path / "config.json").read_text()
    await book.remove_app("cursor")
    assert keyring_store.get(token_secret("cursor")) is None and book.status().apps == ()


async def test_turned_on_it_says_nothing_listens_yet(tmp_path: Path, keyring_store: SecretStore) -> None:
    book = AppAccessBook(settings_in(tmp_path), keyring_store)

    status = await book.set_enabled(True)

    assert status.enabled and status.url is None and status.problem == NOT_LISTENING
