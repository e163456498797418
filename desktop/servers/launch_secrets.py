"""A server's settings for one launch: `${secret:NAME}` filled in from the keyring, and masked.

Every value filled in, and every value that looks like a secret by its name (an
`Authorization` header, an `API_KEY` variable), goes to the `Redactor` before the server
sees it, so no log shows it. The filled-in copy is for this launch only, never saved.
"""

from __future__ import annotations

import anyio.to_thread

from desktop.core.config import ServerConfig
from desktop.core.redact import Redactor, looks_secret
from desktop.core.secret_refs import SecretsError
from desktop.core.secrets import SecretVault
from desktop.servers.control import ServerProblem


async def with_secrets(config: ServerConfig, vault: SecretVault, redactor: Redactor) -> ServerConfig:
    """`config` ready to launch; ServerProblem when a secret it names can't be read."""
    names = config.secret_names()
    if names:
        try:
            values = await anyio.to_thread.run_sync(vault.resolve, names)
        except SecretsError as error:
            raise ServerProblem(str(error)) from error
        for value in values.values():
            redactor.add(value)
        config = config.with_secrets(values)
    _mask_secret_looking(config, redactor)
    return config


def _mask_secret_looking(config: ServerConfig, redactor: Redactor) -> None:
    for name, value in config.env.items():
        if looks_secret(name):
            redactor.add(value)
    for name, value in config.headers.items():
        if name.lower() == "authorization" or looks_secret(name):
            redactor.add(value)
            redactor.add(value.partition(" ")[2])
