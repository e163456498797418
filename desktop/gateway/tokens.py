"""Each app's bearer token: made once, kept in the keyring, held in memory to check requests against.

A token is never written to a file or logged: the redactor learns each one as it is read,
so it is masked wherever it might appear.
"""

from __future__ import annotations

import hmac
import secrets

import anyio.to_thread

from desktop.core.redact import Redactor
from desktop.core.secrets import SecretVault
from desktop.gateway.control import token_secret

TOKEN_BYTES = 32


class AppTokens:
    def __init__(self, vault: SecretVault, redactor: Redactor) -> None:
        self._vault = vault
        self._redactor = redactor
        self._tokens: dict[str, str] = {}

    async def load(self, apps: list[str]) -> None:
        """Read the known apps' tokens once (each read may ask the keyring to unlock)."""
        for app in apps:
            token = await anyio.to_thread.run_sync(self._vault.get, token_secret(app))
            if token:
                self._keep(app, token)

    async def ensure(self, app: str) -> str:
        """`app`'s token, made and put in the keyring the first time."""
        token = self._tokens.get(app) or await anyio.to_thread.run_sync(self._vault.get, token_secret(app))
        if not token:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            await anyio.to_thread.run_sync(self._vault.set, token_secret(app), token)
        self._keep(app, token)
        return token

    async def forget(self, app: str) -> None:
        self._tokens.pop(app, None)
        await anyio.to_thread.run_sync(self._vault.delete, token_secret(app))

    def app_of(self, presented: str) -> str | None:
        """The app whose token this is; every token is compared, each in constant time."""
        found = None
        given = presented.encode()
        for app, token in list(self._tokens.items()):
            if hmac.compare_digest(given, token.encode()):
                found = app
        return found

    def _keep(self, app: str, token: str) -> None:
        self._redactor.add(token)
        self._tokens[app] = token
