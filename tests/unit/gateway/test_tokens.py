"""Each app's token: made once in the real keyring, kept, told apart, masked, and gone when the app is."""

from __future__ import annotations

import pytest

from desktop.core.redact import Redactor
from desktop.core.secrets import SecretStore
from desktop.gateway.control import token_secret
from desktop.gateway.tokens import AppTokens

pytestmark = pytest.mark.anyio


async def test_a_token_is_made_once_and_names_its_app(keyring_store: SecretStore) -> None:
    redactor = Redactor()
    tokens = AppTokens(keyring_store, redactor)
    cursor = await tokens.ensure("cursor")
    assert await tokens.ensure("cursor") == cursor, "a second call keeps it"
    claude = await tokens.ensure("claude")
    assert len(cursor) >= 43 and cursor != claude
    assert keyring_store.get(token_secret("cursor")) == cursor
    assert (tokens.app_of(cursor), tokens.app_of(claude)) == ("cursor", "claude")
    assert tokens.app_of(cursor[:-1]) is None and tokens.app_of("") is None
    assert cursor not in redactor.mask(f"Bearer {cursor}")

    after_restart = AppTokens(keyring_store, Redactor())
    await after_restart.load(["cursor", "claude"])
    assert after_restart.app_of(cursor) == "cursor"

    await tokens.forget("cursor")
    assert keyring_store.get(token_secret("cursor")) is None and tokens.app_of(cursor) is None
