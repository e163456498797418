"""Who MCP Desk says it is to a sign-in server: its published metadata document where the server
takes one, a registration of its own where not, and the client ID a provider gave the user where
the server registers no apps (entered on the command line, its secret kept in the keyring only).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import AnyUrl

from desktop.core.config import CLIENT_METADATA_URL, SignInClient
from desktop.core.redact import Redactor
from desktop.core.secrets import SecretStore
from desktop.servers.oauth import ClientIdentity, client_secret_name
from tests.e2e.test_oauth import SUBJECT, UserAtBrowser, files_containing, whoami
from tests.e2e.test_secrets import desk
from tests.fixtures.oauth_server import CLIENT_METADATA_DOCUMENT, Advertised, OAuthFixture, serve_oauth

pytestmark = pytest.mark.anyio

STAND_IN_BROWSER = Path(__file__).resolve().parents[1] / "conformance" / "stand_in_browser.py"
CLIENT_ID = "desk-client-from-the-provider"
CLIENT_SECRET = "cs-canary-9d81f2a7c3"


def test_the_published_document_names_its_own_address_and_a_loopback_redirect() -> None:
    document = json.loads(CLIENT_METADATA_DOCUMENT.read_text(encoding="utf-8"))
    assert document["client_id"] == CLIENT_METADATA_URL
    assert document["redirect_uris"] == ["http://127.0.0.1/callback"]
    assert document["token_endpoint_auth_method"] == "none"
    assert document["client_name"] == "MCP Desk"


async def test_a_server_that_takes_metadata_documents_gets_the_document_instead_of_a_registration(
    keyring_store: SecretStore,
) -> None:
    with serve_oauth(Advertised(metadata_documents=True)) as fixture:
        answer = await whoami(
            fixture, keyring_store, UserAtBrowser(), Redactor(), ClientIdentity(CLIENT_METADATA_URL)
        )
        assert answer == f"{SUBJECT} via {CLIENT_METADATA_URL}"
        assert fixture.provider.registrations == []
        assert set(fixture.provider.metadata_documents) == {CLIENT_METADATA_URL}


async def test_a_server_that_does_not_take_them_gets_a_registration(
    oauth_server: OAuthFixture, keyring_store: SecretStore
) -> None:
    answer = await whoami(
        oauth_server, keyring_store, UserAtBrowser(), Redactor(), ClientIdentity(CLIENT_METADATA_URL)
    )
    (registered,) = oauth_server.provider.registrations
    assert answer == f"{SUBJECT} via {registered.client_id}"
    assert oauth_server.provider.metadata_documents == []


async def test_a_pre_registered_client_signs_in_with_its_secret_at_its_fixed_redirect(
    keyring_store: SecretStore,
) -> None:
    sign_in = SignInClient(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    browser = UserAtBrowser()
    with serve_oauth(Advertised(registration=False)) as fixture:
        fixture.provider.clients[CLIENT_ID] = _registered_by_provider(sign_in.redirect_uri)
        answer = await whoami(fixture, keyring_store, browser, Redactor(), ClientIdentity(None, sign_in))
    assert answer == f"{SUBJECT} via {CLIENT_ID}"
    assert browser.query(0)["redirect_uri"] == sign_in.redirect_uri
    assert fixture.provider.registrations == []


def test_the_command_line_takes_a_client_id_and_keeps_its_secret_in_the_keyring_only(
    keyring_store: SecretStore, isolated_home: str, tmp_path: Path
) -> None:
    opened = tmp_path / "browser.log"
    browser = {"BROWSER": str(STAND_IN_BROWSER), "MCP_DESK_BROWSER_LOG": str(opened)}
    with serve_oauth(Advertised(registration=False)) as fixture:
        added = desk(
            "servers", "add", "remote", "--url", fixture.url,
            "--client-id", CLIENT_ID, "--client-secret-stdin",
            stdin=CLIENT_SECRET + "\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        saved = _saved_server(Path(isolated_home), "remote")["sign_in"]
        redirect = f"http://127.0.0.1:{saved['redirect_port']}/callback"
        assert redirect in added.stdout, "the address to give the provider is said"
        fixture.provider.clients[CLIENT_ID] = _registered_by_provider(redirect)

        checked = desk("servers", "check", "remote", "--yes", env=browser)

    assert checked.returncode == 0, checked.stderr
    assert saved["client_id"] == CLIENT_ID
    assert saved["client_secret"] == "${secret:" + client_secret_name("remote") + "}"
    assert keyring_store.get(client_secret_name("remote")) == CLIENT_SECRET
    (address,) = opened.read_text().splitlines()
    assert parse_qs(urlsplit(address).query)["redirect_uri"] == [redirect]
    assert [grant.grant_type for grant in fixture.provider.grants] == ["authorization_code"]
    assert files_containing(isolated_home, CLIENT_SECRET) == []
    assert CLIENT_SECRET not in added.stdout + added.stderr + checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (["--url", "https://example.com/mcp", "--client-secret-stdin"], "s\n", "goes with --client-id"),
        (["--client-id", "x", "--", sys.executable, "-V"], None, "is for a server with --url"),
        (["--url", "https://example.com/mcp", "--client-id", "x", "--client-secret-stdin"], "\n", "found no"),
    ],
    ids=["secret without an id", "id for a program", "empty secret"],
)
def test_bad_sign_in_flags_are_refused_with_a_sentence(
    keyring_store: SecretStore, args: list[str], stdin: str | None, words: str
) -> None:
    added = desk("servers", "add", "remote", *args, stdin=stdin)
    assert added.returncode != 0
    assert words in added.stderr and "Traceback" not in added.stderr
    assert "remote" not in desk("servers", "list").stdout


def _registered_by_provider(redirect: str) -> OAuthClientInformationFull:
    """What the provider keeps after the user registered MCP Desk with it by hand."""
    return OAuthClientInformationFull(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[AnyUrl(redirect)],
        token_endpoint_auth_method="client_secret_basic",
        grant_types=["authorization_code", "refresh_token"],
    )


def _saved_server(home: Path, name: str) -> dict[str, object]:
    config = json.loads((home / "config" / "config.json").read_text(encoding="utf-8"))
    entry = config["mcpServers"][name]
    assert isinstance(entry, dict)
    return entry
