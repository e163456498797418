"""Signing in to a remote MCP server with OAuth 2.1, end to end.

A real authorization server and the MCP server it protects (`tests/fixtures/oauth_server.py`)
listen on loopback; the client is the SDK's Streamable HTTP client with `oauth_for` as its
httpx auth, as the app connects; tokens land in the real Secret Service (`keyring_store`).
The "browser" is a user who follows the sign-in address and clicks "allow".
"""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from desktop.core.redact import MASK, Redactor
from desktop.core.secrets import SecretStore
from desktop.servers.oauth import ClientIdentity, find_sign_in_problem, forget, oauth_for, secret_names
from desktop.servers.sign_in_listener import SignInProblem
from tests.fixtures.oauth_server import SUBJECT, Advertised, Grant, OAuthFixture, serve_oauth

pytestmark = pytest.mark.anyio

SERVER = "remote"
TOKENS, CLIENT = secret_names(SERVER)
SIGNED_IN_PAGE = "You can close this tab and go back to MCP Desk."


class UserAtBrowser:
    """Follows the sign-in address to the redirect, like a user who clicks "allow".

    `forge_first` makes it first visit MCP Desk's callback with a code and `state` of its own,
    as a page trying to slip its own sign-in in would.
    """

    def __init__(self, forge_first: bool = False) -> None:
        self.opened: list[str] = []
        self.pages: list[httpx2.Response] = []
        self.forged: list[httpx2.Response] = []
        self._forge_first = forge_first
        self._loaded = threading.Event()

    def open(self, url: str) -> None:
        self.opened.append(url)
        try:
            with httpx2.Client(follow_redirects=True, timeout=30) as browser:
                if self._forge_first:
                    callback = self.query(-1)["redirect_uri"]
                    self.forged.append(browser.get(f"{callback}?code=forged-code&state=forged-state"))
                self.pages.append(browser.get(url))
        finally:
            self._loaded.set()

    def query(self, index: int) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlsplit(self.opened[index]).query).items()}

    async def wait_until_loaded(self) -> None:
        """The opener runs on in its thread after the sign-in ends; wait for its last page."""
        assert await anyio.to_thread.run_sync(self._loaded.wait, 30), "the browser never loaded the page"


async def whoami(
    fixture: OAuthFixture,
    store: SecretStore,
    browser: UserAtBrowser,
    redactor: Redactor,
    identity: ClientIdentity | None = None,
) -> str:
    """Connect as the app does, call the protected tool, disconnect; returns the tool's text."""
    auth = oauth_for(SERVER, fixture.url, store, browser, redactor, identity or ClientIdentity())
    with anyio.fail_after(60):
        async with (
            httpx2.AsyncClient(auth=auth, timeout=httpx2.Timeout(30, read=300)) as http,
            Client(streamable_http_client(fixture.url, http_client=http), cache=None) as client,
        ):
            result = await client.call_tool("whoami", {})
    assert not result.is_error
    text = result.content[0]
    assert isinstance(text, types.TextContent)
    return text.text


def stored_tokens(store: SecretStore) -> dict[str, object]:
    raw = store.get(TOKENS)
    assert raw is not None, "no tokens in the keyring"
    parsed = json.loads(raw)
    assert isinstance(parsed, dict)
    token = parsed["token"]
    assert isinstance(token, dict)
    return token


def files_containing(home: str, *values: str) -> list[Path]:
    return [
        path
        for path in Path(home).rglob("*")
        if path.is_file() and any(value.encode() in path.read_bytes() for value in values)
    ]


async def test_signing_in_discovers_registers_uses_pkce_and_keeps_tokens_in_the_keyring(
    oauth_server: OAuthFixture, keyring_store: SecretStore, isolated_home: str
) -> None:
    browser = UserAtBrowser()
    redactor = Redactor()

    answer = await whoami(oauth_server, keyring_store, browser, redactor)
    await browser.wait_until_loaded()

    provider = oauth_server.provider
    (registered,) = provider.registrations
    assert answer == f"{SUBJECT} via {registered.client_id}"
    assert registered.client_name == "MCP Desk"
    assert registered.token_endpoint_auth_method == "none"
    assert registered.grant_types == ["authorization_code", "refresh_token"]
    assert registered.response_types == ["code"]

    (address,) = browser.opened
    assert address.startswith(oauth_server.authorization_endpoint + "?")
    asked = browser.query(0)
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) >= 43
    assert asked["resource"] == oauth_server.url
    assert asked["client_id"] == registered.client_id
    callback = urlsplit(asked["redirect_uri"])
    assert (callback.scheme, callback.hostname, callback.path) == ("http", "127.0.0.1", "/callback")
    assert [str(uri) for uri in registered.redirect_uris or []] == [asked["redirect_uri"]]
    assert provider.authorizations[0].resource == oauth_server.url
    assert provider.grants == [Grant("authorization_code", oauth_server.url)]
    (page,) = browser.pages
    assert page.status_code == 200 and SIGNED_IN_PAGE in page.text

    token = stored_tokens(keyring_store)
    access, refresh = str(token["access_token"]), str(token["refresh_token"])
    assert access in provider.access_tokens and refresh in provider.refresh_tokens
    client_entry = keyring_store.get(CLIENT)
    assert client_entry is not None and json.loads(client_entry)["client_id"] == registered.client_id

    assert redactor.mask(f"Authorization: Bearer {access}") == f"Authorization: Bearer {MASK}"
    assert redactor.mask(json.dumps({"refresh_token": refresh})) == '{"refresh_token": "' + MASK + '"}'
    assert files_containing(isolated_home, access, refresh) == []


async def test_a_second_connection_uses_the_stored_tokens_without_a_browser(
    oauth_server: OAuthFixture, keyring_store: SecretStore
) -> None:
    await whoami(oauth_server, keyring_store, UserAtBrowser(), Redactor())
    access = str(stored_tokens(keyring_store)["access_token"])

    browser, redactor = UserAtBrowser(), Redactor()
    answer = await whoami(oauth_server, keyring_store, browser, redactor)

    assert answer.startswith(f"{SUBJECT} via ")
    assert browser.opened == []
    assert len(oauth_server.provider.registrations) == 1
    assert len(oauth_server.provider.grants) == 1
    assert redactor.mask(access) == MASK, "tokens loaded from the keyring are masked too"


async def test_an_expired_access_token_is_refreshed_without_a_browser(
    oauth_server: OAuthFixture, keyring_store: SecretStore
) -> None:
    await whoami(oauth_server, keyring_store, UserAtBrowser(), Redactor())
    before = stored_tokens(keyring_store)
    expire_stored_tokens(keyring_store)
    oauth_server.provider.expire_access_tokens()

    browser, redactor = UserAtBrowser(), Redactor()
    answer = await whoami(oauth_server, keyring_store, browser, redactor)

    assert answer.startswith(f"{SUBJECT} via ")
    assert browser.opened == []
    grants = [grant.grant_type for grant in oauth_server.provider.grants]
    assert grants == ["authorization_code", "refresh_token"]
    after = stored_tokens(keyring_store)
    assert after["access_token"] != before["access_token"]
    assert after["access_token"] in oauth_server.provider.access_tokens
    assert redactor.mask(str(after["access_token"])) == MASK
    assert redactor.mask(str(after["refresh_token"])) == MASK


def expire_stored_tokens(store: SecretStore) -> None:
    """What the keyring holds after the access token's time is up."""
    raw = store.get(TOKENS)
    assert raw is not None
    stored = json.loads(raw)
    stored["expires_at"] = 1.0
    store.set(TOKENS, json.dumps(stored))


async def test_a_taken_callback_port_means_registering_again(
    oauth_server: OAuthFixture, keyring_store: SecretStore
) -> None:
    first = UserAtBrowser()
    await whoami(oauth_server, keyring_store, first, Redactor())
    old_callback = first.query(0)["redirect_uri"]
    expire_stored_tokens(keyring_store)
    oauth_server.provider.expire_access_tokens()

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past the last sign-in's TIME_WAIT
        squatter.bind(("127.0.0.1", urlsplit(old_callback).port or 0))
        squatter.listen()
        second = UserAtBrowser()
        answer = await whoami(oauth_server, keyring_store, second, Redactor())
        await second.wait_until_loaded()

    registrations = oauth_server.provider.registrations
    assert len(registrations) == 2
    assert answer == f"{SUBJECT} via {registrations[1].client_id}"
    new_callback = second.query(0)["redirect_uri"]
    assert new_callback != old_callback
    assert [str(uri) for uri in registrations[1].redirect_uris or []] == [new_callback]
    client_entry = keyring_store.get(CLIENT)
    assert client_entry is not None and json.loads(client_entry)["client_id"] == registrations[1].client_id


async def test_a_redirect_with_the_wrong_state_is_refused(
    oauth_server: OAuthFixture, keyring_store: SecretStore
) -> None:
    browser = UserAtBrowser(forge_first=True)

    answer = await whoami(oauth_server, keyring_store, browser, Redactor())
    await browser.wait_until_loaded()

    (forged,) = browser.forged
    assert forged.status_code == 400 and "ignored" in forged.text
    (page,) = browser.pages
    assert page.status_code == 200 and SIGNED_IN_PAGE in page.text
    assert answer.startswith(f"{SUBJECT} via ")
    assert oauth_server.provider.grants == [Grant("authorization_code", oauth_server.url)]


async def test_a_sign_in_address_that_is_not_https_never_reaches_the_browser(
    keyring_store: SecretStore,
) -> None:
    browser = UserAtBrowser()
    with serve_oauth(Advertised(authorization_endpoint="http://sign-in.example.test/authorize")) as fixture:
        with pytest.raises(Exception) as failed:  # the SDK's transport wraps it in exception groups
            await whoami(fixture, keyring_store, browser, Redactor())
        assert fixture.provider.authorizations == []

    problem = find_sign_in_problem(failed.value)
    assert isinstance(problem, SignInProblem)
    assert "http://sign-in.example.test" in problem.message and "no browser was opened" in problem.message
    assert browser.opened == []
    assert keyring_store.get(TOKENS) is None


async def test_forgetting_a_server_removes_its_tokens_and_the_next_connection_signs_in_again(
    oauth_server: OAuthFixture, keyring_store: SecretStore
) -> None:
    await whoami(oauth_server, keyring_store, UserAtBrowser(), Redactor())

    await anyio.to_thread.run_sync(forget, SERVER, keyring_store)

    assert keyring_store.get(TOKENS) is None and keyring_store.get(CLIENT) is None
    assert not {TOKENS, CLIENT} & set(keyring_store.names())
    browser = UserAtBrowser()
    await whoami(oauth_server, keyring_store, browser, Redactor())
    await browser.wait_until_loaded()
    assert len(browser.opened) == 1
    assert len(oauth_server.provider.registrations) == 2


async def test_a_damaged_keyring_entry_means_signing_in_again(
    oauth_server: OAuthFixture, keyring_store: SecretStore
) -> None:
    keyring_store.set(TOKENS, "{not json")
    browser = UserAtBrowser()

    await whoami(oauth_server, keyring_store, browser, Redactor())
    await browser.wait_until_loaded()

    assert len(browser.opened) == 1
    assert stored_tokens(keyring_store)["access_token"] in oauth_server.provider.access_tokens
