"""Signing in to remote Streamable HTTP servers with OAuth 2.1, through the SDK's own provider.

The SDK's `OAuthClientProvider` does the protocol: server metadata discovery, the client's
identity (a client ID metadata document where the sign-in server takes one, else dynamic
client registration), PKCE S256, the resource indicator and refreshing. MCP Desk gives it the
rest: storage in the keyring (`KeyringTokenStorage`), a client the user's provider registered
(`SignInClient`, with its fixed redirect port), a check of the authorization URL before any
browser sees it, the browser itself (a `BrowserOpener` from the caller), and a listener on
127.0.0.1 that takes the browser's redirect back (`sign_in_listener`).
Every token and client secret stored or loaded is registered with the `Redactor`, so no log shows it.
"""

from __future__ import annotations

import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.client.auth.exceptions import OAuthFlowError
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from pydantic import AnyUrl, BaseModel, ValidationError

from desktop.core.config import CALLBACK_HOST, CALLBACK_PATH, ServerConfig, SignInClient
from desktop.core.redact import Redactor
from desktop.core.secret_refs import SecretsError, reference, references
from desktop.core.secrets import KeyringUnavailable, SecretVault
from desktop.servers.remote_failure import causes
from desktop.servers.sign_in_listener import (
    SIGN_IN_LIMIT_S,
    CallbackListener,
    check_authorization_url,
    query_value,
)
from desktop.servers.sign_in_refusal import AGAIN, SignInProblem, refusal

CLIENT_NAME = "MCP Desk"

_Model = TypeVar("_Model", bound=BaseModel)
_Result = TypeVar("_Result")


class BrowserOpener(Protocol):
    """Shows the sign-in page to the user. Called from a worker thread, only with a checked URL."""

    def open(self, url: str) -> None: ...


class SystemBrowser:
    """The user's default web browser."""

    def open(self, url: str) -> None:
        if not webbrowser.open(url):
            raise RuntimeError("no web browser could be started")


def secret_names(server: str) -> tuple[str, str]:
    """The keyring names of `server`'s tokens and of its client registration."""
    return f"oauth.{server}.tokens", f"oauth.{server}.client"


def client_secret_name(server: str) -> str:
    """The keyring name of the client secret the user entered for `server`."""
    return f"oauth.{server}.client_secret"


def forget(server: str, store: SecretVault) -> None:
    """Delete what signing in to `server` stored. Blocking: call it from a worker thread."""
    for name in (*secret_names(server), client_secret_name(server)):
        store.delete(name)


async def keep_client_secret(
    server: str, config: ServerConfig, store: SecretVault, redactor: Redactor
) -> tuple[ServerConfig, str | None]:
    """`config` with a client secret typed into it moved to the keyring, and the name it went under.

    The settings keep only `${secret:NAME}`; a secret already given that way stays as it is.
    """
    sign_in = config.sign_in
    if sign_in is None or not sign_in.client_secret or references(sign_in.client_secret):
        return config, None
    name = client_secret_name(server)
    redactor.add(sign_in.client_secret)
    await _in_keyring(store.set, name, sign_in.client_secret)
    kept = sign_in.model_copy(update={"client_secret": reference(name)})
    return config.model_copy(update={"sign_in": kept}), name


class _StoredTokens(BaseModel):
    token: OAuthToken
    expires_at: float | None = None
    """Seconds since the epoch; the token itself only says how long it lasted when issued."""


class KeyringTokenStorage:
    """The SDK's `TokenStorage` on the keyring, as JSON under `secret_names(server)`.

    With `preset`, the client is the one the user's provider registered, never another.
    """

    def __init__(
        self,
        server: str,
        store: SecretVault,
        redactor: Redactor,
        preset: OAuthClientInformationFull | None = None,
    ) -> None:
        self._tokens_name, self._client_name = secret_names(server)
        self._store = store
        self._redactor = redactor
        self._preset = preset
        self.expires_at: float | None = None
        """When the access token last stored or loaded stops working (seconds since the epoch)."""

    async def get_tokens(self) -> OAuthToken | None:
        stored = await self._read(self._tokens_name, _StoredTokens)
        if stored is None:
            return None
        self._remember(stored.token)
        self.expires_at = stored.expires_at
        return stored.token

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self._remember(tokens)
        self.expires_at = None if tokens.expires_in is None else time.time() + tokens.expires_in
        await self._write(self._tokens_name, _StoredTokens(token=tokens, expires_at=self.expires_at))

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        client = self._preset or await self._read(self._client_name, OAuthClientInformationFull)
        if client is not None and client.client_secret:
            self._redactor.add(client.client_secret)
        return client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        if client_info.client_secret:
            self._redactor.add(client_info.client_secret)
        await self._write(self._client_name, client_info)

    def _remember(self, tokens: OAuthToken) -> None:
        self._redactor.add(tokens.access_token)
        if tokens.refresh_token:
            self._redactor.add(tokens.refresh_token)

    async def _read(self, name: str, model: type[_Model]) -> _Model | None:
        try:
            raw = await anyio.to_thread.run_sync(self._store.get, name)
        except KeyringUnavailable:
            return None  # nothing can be stored there; a server that asks for a sign-in says so on writing
        except SecretsError as error:
            raise SignInProblem(str(error)) from error
        if raw is None:
            return None
        try:
            return model.model_validate_json(raw)
        except ValidationError:
            return None  # a damaged entry counts as none: the user signs in again and it is replaced

    async def _write(self, name: str, value: BaseModel) -> None:
        await _in_keyring(self._store.set, name, value.model_dump_json(exclude_none=True))


async def _in_keyring(call: Callable[..., _Result], *args: str) -> _Result:
    """`call` on a worker thread; a keyring that fails ends the sign-in with its own sentence."""
    try:
        return await anyio.to_thread.run_sync(call, *args)
    except SecretsError as error:
        raise SignInProblem(str(error)) from error


def _preset_client(sign_in: SignInClient) -> OAuthClientInformationFull:
    """The client the user's provider registered, as the SDK keeps a client (secret already looked up)."""
    return OAuthClientInformationFull(
        client_id=sign_in.client_id,
        client_secret=sign_in.client_secret,
        redirect_uris=[AnyUrl(sign_in.redirect_uri)],
        token_endpoint_auth_method="client_secret_basic" if sign_in.client_secret else "none",
    )


def _registered_port(client: OAuthClientInformationFull | None) -> int | None:
    """The port of the loopback callback `client` was registered with, if any."""
    for uri in (client.redirect_uris or []) if client else []:
        if uri.scheme == "http" and uri.host == CALLBACK_HOST and uri.path == CALLBACK_PATH and uri.port:
            return uri.port
    return None


class _DeskOAuthProvider(OAuthClientProvider):
    """The SDK's provider with MCP Desk's browser, listener and keyring storage."""

    def __init__(
        self,
        url: str,
        storage: KeyringTokenStorage,
        browser: BrowserOpener,
        listener: CallbackListener,
        identity: ClientIdentity,
    ) -> None:
        metadata = OAuthClientMetadata(
            client_name=CLIENT_NAME,
            redirect_uris=[AnyUrl(listener.redirect_uri)],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        )
        super().__init__(
            url,
            metadata,
            storage,
            redirect_handler=self._sign_in,
            callback_handler=self._take_code,
            client_metadata_url=identity.metadata_url,
        )
        self._fixed_port = identity.sign_in.redirect_port if identity.sign_in else None
        self._storage = storage
        self._browser = browser
        self._listener = listener
        self._code: AuthorizationCodeResult | None = None

    async def _initialize(self) -> None:
        """Also restore the stored token's expiry, and listen where the client was registered.

        The SDK keeps the expiry in memory only: without it a token loaded after a restart looks
        valid forever, and once it has expired the server's refusal costs a browser sign-in
        where a refresh would do.
        """
        await super()._initialize()
        context = self.context
        context.token_expiry_time = self._storage.expires_at
        registered = _registered_port(context.client_info)
        port = self._listener.choose_port(registered, required=self._fixed_port is not None)
        context.client_metadata.redirect_uris = [AnyUrl(self._listener.redirect_uri)]
        if context.client_info is not None and port != registered:
            context.client_info = None  # registered for a port another program holds now: register again

    async def _perform_authorization(self) -> httpx2.Request:
        """Also send a client secret the way the sign-in server says it takes one."""
        client, metadata = self.context.client_info, self.context.oauth_metadata
        if client is not None and client.client_secret and metadata is not None:
            methods = metadata.token_endpoint_auth_methods_supported or ["client_secret_basic"]
            if "client_secret_basic" not in methods and "client_secret_post" in methods:
                client.token_endpoint_auth_method = "client_secret_post"
        return await super()._perform_authorization()

    async def _sign_in(self, authorization_url: str) -> None:
        check_authorization_url(authorization_url)
        state = query_value(parse_qs(urlsplit(authorization_url).query), "state")
        if not state:
            raise SignInProblem(
                "Sign-in failed: the sign-in address MCP Desk was about to open has no state check, "
                "so it was not opened. Ask the server's provider about it."
            )

        async def open_browser() -> None:
            await anyio.to_thread.run_sync(self._browser.open, authorization_url, abandon_on_cancel=True)

        self._code = await self._listener.wait_for_code(state, open_browser)

    async def _take_code(self) -> AuthorizationCodeResult:
        code, self._code = self._code, None
        if code is None:
            raise SignInProblem(f"Sign-in failed: MCP Desk received no sign-in answer. {AGAIN}")
        return code


def find_sign_in_problem(error: BaseException) -> SignInProblem | None:
    """Why signing in failed, if `error` is about that; the SDK's transport wraps it in groups."""
    for cause in causes(error):
        if isinstance(cause, SignInProblem):
            return cause
        if isinstance(cause, OAuthFlowError):
            return refusal(cause)
    return None


@dataclass(frozen=True)
class ClientIdentity:
    """Who MCP Desk says it is to a sign-in server."""

    metadata_url: str | None = None
    """Its client metadata document, used where the sign-in server takes one; else it registers."""
    sign_in: SignInClient | None = None
    """The client the user's provider registered for this server (its secret looked up): only that."""


def oauth_for(
    server: str,
    url: str,
    store: SecretVault,
    browser: BrowserOpener,
    redactor: Redactor,
    identity: ClientIdentity = ClientIdentity(),
    *,
    sign_in_limit: float = SIGN_IN_LIMIT_S,
) -> httpx2.Auth:
    """The `auth` for the httpx client of remote server `server` at `url`.

    Signs in through `browser` when the server asks for it and has no usable token in `store`.
    Build a new one for each connection; they share what they learn through `store`.
    """
    preset = _preset_client(identity.sign_in) if identity.sign_in else None
    if preset is not None and preset.client_secret:
        redactor.add(preset.client_secret)
    storage = KeyringTokenStorage(server, store, redactor, preset)
    return _DeskOAuthProvider(url, storage, browser, CallbackListener(server, sign_in_limit), identity)
