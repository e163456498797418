"""Opening a remote server's Streamable HTTP connection: tapped for the log, signed in when asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import anyio.from_thread
import httpx2
from mcp.client._transport import Transport
from mcp.client.streamable_http import streamable_http_client

from desktop.core.config import ServerConfig
from desktop.core.redact import Redactor
from desktop.core.secrets import SecretVault
from desktop.servers.oauth import BrowserOpener, ClientIdentity, oauth_for
from desktop.servers.result_type import defaulted
from desktop.servers.wire_tap import TappedHTTP, WireTap


class SignInBrowser:
    """Tells `on_sign_in` (on the service loop) that a sign-in starts, then opens the user's browser."""

    def __init__(self, on_sign_in: Callable[[str], None], browser: BrowserOpener) -> None:
        self._on_sign_in = on_sign_in
        self._browser = browser

    def open(self, url: str) -> None:
        anyio.from_thread.run_sync(self._on_sign_in, url)
        self._browser.open(url)


@dataclass(frozen=True)
class RemoteConnection:
    transport: Transport
    http: TappedHTTP
    """What the server's address last answered (`last_status`), for saying why it failed."""


def connect_remote(
    name: str,
    config: ServerConfig,
    vault: SecretVault,
    browser: SignInBrowser,
    tap: WireTap,
    redactor: Redactor,
    client_metadata_url: str | None = None,
) -> RemoteConnection:
    """The SDK transport for `config.url`; it signs in with OAuth unless a header already authorizes.

    `client_metadata_url` is MCP Desk's client ID where the sign-in server takes metadata documents.
    """
    assert config.url is not None
    signs_in = not any(header.lower() == "authorization" for header in config.headers)
    tapped = TappedHTTP(tap, redactor, httpx2.AsyncHTTPTransport(), config.url)
    identity = ClientIdentity(client_metadata_url, config.sign_in)
    http = httpx2.AsyncClient(
        headers=config.headers,
        timeout=httpx2.Timeout(30, read=300),
        transport=tapped,
        auth=oauth_for(name, config.url, vault, browser, redactor, identity) if signs_in else None,
    )
    return RemoteConnection(defaulted(streamable_http_client(config.url, http_client=http)), tapped)
