"""Signing in to remote Streamable HTTP servers with OAuth 2.1, through the SDK's own provider.

The SDK's `OAuthClientProvider` does the protocol: server metadata discovery, dynamic client
registration, PKCE S256, the resource indicator and refreshing. MCP Desk gives it the rest:
storage in the keyring (`KeyringTokenStorage`), a check of the authorization URL before any
browser sees it, the browser itself (a `BrowserOpener` from the caller), and a listener on
127.0.0.1 that takes the browser's redirect back and accepts it only with the right `state`.
Every token stored or loaded is registered with the `Redactor`, so no log shows it.
"""

from __future__ import annotations

import html
import os
import secrets
import socket
import time
import webbrowser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
from anyio.abc import SocketStream
from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from pydantic import AnyUrl, BaseModel, ValidationError

from desktop.core.redact import Redactor
from desktop.core.secret_refs import SecretsError
from desktop.core.secrets import KeyringUnavailable, SecretVault
from desktop.servers.control import ServerProblem

SIGN_IN_LIMIT_S = 300.0
"""How long MCP Desk waits for the user to finish signing in in the browser."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
CALLBACK_HOST = "127.0.0.1"
CALLBACK_PATH = "/callback"
CLIENT_NAME = "MCP Desk"
_REQUEST_BYTES = 16 * 1024
_REQUEST_READ_S = 10.0
"""A browser sends its request at once; a connection that sends nothing is dropped after this."""

_Model = TypeVar("_Model", bound=BaseModel)
_Result = TypeVar("_Result")


class SignInProblem(ServerProblem):
    """Signing in to a server failed or was refused; the message says what to do next."""


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


def forget(server: str, store: SecretVault) -> None:
    """Delete what signing in to `server` stored. Blocking: call it from a worker thread."""
    for name in secret_names(server):
        store.delete(name)


class _StoredTokens(BaseModel):
    token: OAuthToken
    expires_at: float | None = None
    """Seconds since the epoch; the token itself only says how long it lasted when issued."""


class KeyringTokenStorage:
    """The SDK's `TokenStorage` on the keyring, as JSON under `secret_names(server)`."""

    def __init__(self, server: str, store: SecretVault, redactor: Redactor) -> None:
        self._tokens_name, self._client_name = secret_names(server)
        self._store = store
        self._redactor = redactor
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
        client = await self._read(self._client_name, OAuthClientInformationFull)
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


def check_authorization_url(url: str) -> None:
    """Refuse, before any browser sees it, a sign-in address that is not https or http on this computer."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    except ValueError:
        scheme, host = "", ""
    secure = (scheme == "https" and bool(host)) or (scheme == "http" and host in LOOPBACK_HOSTS)
    if not secure or any(ch.isspace() or ord(ch) < 32 for ch in url):
        shown = f"{scheme}://{host}" if scheme and host else "an address MCP Desk cannot read"
        raise SignInProblem(
            f"The server asked MCP Desk to sign in at {shown}, which is not a secure (https) address, "
            "so no browser was opened. Check the server's address, or ask its provider for an https "
            "sign-in page."
        )


def _query_value(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


class CallbackListener:
    """Receives the browser's redirect on 127.0.0.1 and accepts only the one carrying the expected `state`."""

    def __init__(self, server: str, limit: float = SIGN_IN_LIMIT_S) -> None:
        self.server = server
        self.limit = limit
        self.port = 0
        self.choose_port(None)

    @property
    def redirect_uri(self) -> str:
        return f"http://{CALLBACK_HOST}:{self.port}{CALLBACK_PATH}"

    def choose_port(self, preferred: int | None) -> int:
        """Listen on `preferred` later if it is free now, else on any free port; returns the port."""
        for port in (preferred, 0) if preferred else (0,):
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                    if os.name != "nt":  # as anyio's listener will: a just-closed port is free
                        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    probe.bind((CALLBACK_HOST, port))
                    self.port = probe.getsockname()[1]
                    return self.port
            except OSError:
                continue
        raise SignInProblem(
            "MCP Desk could not open a port on 127.0.0.1 to receive the sign-in. "
            "Close some programs or restart the computer, then start the server again."
        )

    async def wait_for_code(
        self, state: str, open_browser: Callable[[], Awaitable[None]]
    ) -> AuthorizationCodeResult:
        """Listen, call `open_browser`, and return the code from the first redirect carrying `state`."""
        try:
            listener = await anyio.create_tcp_listener(local_host=CALLBACK_HOST, local_port=self.port)
        except OSError as error:
            raise SignInProblem(
                f"MCP Desk could not listen on port {self.port} for the sign-in to “{self.server}” because "
                "another program is using it. Start the server again to use another port.",
                str(error),
            ) from error
        wait = _Wait(self.server, state)
        async with listener, anyio.create_task_group() as tasks:
            tasks.start_soon(listener.serve, wait.handle)
            tasks.start_soon(wait.open_browser, open_browser)
            with anyio.move_on_after(self.limit):
                await wait.finished.wait()
            tasks.cancel_scope.cancel()
        return wait.outcome(self.limit)


@dataclass(frozen=True)
class _Reply:
    status: int
    message: str
    answer: AuthorizationCodeResult | None = None
    problem: SignInProblem | None = None


class _Wait:
    """One sign-in's wait for its redirect."""

    def __init__(self, server: str, state: str) -> None:
        self._server = server
        self._state = state.encode()
        self.finished = anyio.Event()
        self._answer: AuthorizationCodeResult | None = None
        self._problem: SignInProblem | None = None

    def outcome(self, limit: float) -> AuthorizationCodeResult:
        if self._problem is not None:
            raise self._problem
        if self._answer is None:
            waited = f"{limit / 60:.0f} minutes" if limit >= 120 else f"{limit:.0f} seconds"
            raise SignInProblem(
                f"Signing in to “{self._server}” was not finished within {waited}, so MCP Desk "
                "stopped waiting. Start the server again to sign in."
            )
        return self._answer

    async def open_browser(self, open_browser: Callable[[], Awaitable[None]]) -> None:
        try:
            await open_browser()
        except Exception as error:  # whatever the opener raises, the user reads one sentence
            self._settle(
                SignInProblem(
                    f"MCP Desk could not open a web browser to sign in to “{self._server}”. "
                    "Check that a default browser is set, then start the server again.",
                    f"{type(error).__name__}: {error}",
                )
            )

    async def handle(self, stream: SocketStream) -> None:
        reply: _Reply | None = None
        async with stream:
            with anyio.move_on_after(_REQUEST_READ_S):
                try:
                    reply = self._reply_to(await _request_target(stream))
                    await stream.send(_page(reply.status, reply.message))
                except (
                    OSError,
                    ValueError,
                    anyio.EndOfStream,
                    anyio.BrokenResourceError,
                    anyio.ClosedResourceError,
                ):
                    pass  # a connection that breaks or sends nonsense changes nothing
        # Only now, with the page sent and the connection closed, may the wait end.
        if reply is not None:
            self._settle(reply.problem or reply.answer)

    def _reply_to(self, target: str) -> _Reply:
        parts = urlsplit(target)
        if parts.path != CALLBACK_PATH:
            return _Reply(404, "This page is not part of signing in to MCP Desk.")
        query = parse_qs(parts.query)
        state = _query_value(query, "state")
        if state is None or not secrets.compare_digest(state.encode(), self._state):
            return _Reply(400, _NOT_OURS)
        if self.finished.is_set():
            return _Reply(400, _NOT_DONE) if self._problem else _Reply(200, _DONE)
        code, error = _query_value(query, "code"), _query_value(query, "error")
        if error is None and code:
            return _Reply(
                200,
                _DONE,
                answer=AuthorizationCodeResult(code=code, state=state, iss=_query_value(query, "iss")),
            )
        said = f"the sign-in page answered “{error[:60]}”" if error else "no sign-in code came back"
        problem = SignInProblem(
            f"Signing in to “{self._server}” did not finish: {said}. Start the server again to try once more."
        )
        return _Reply(400, _NOT_DONE, problem=problem)

    def _settle(self, outcome: AuthorizationCodeResult | SignInProblem | None) -> None:
        if outcome is None or self.finished.is_set():
            return
        if isinstance(outcome, SignInProblem):
            self._problem = outcome
        else:
            self._answer = outcome
        self.finished.set()


_DONE = "You can close this tab and go back to MCP Desk."
_NOT_DONE = "Signing in did not finish. Go back to MCP Desk to see why."
_NOT_OURS = (
    "This sign-in answer is not for the sign-in MCP Desk is waiting for, so it was ignored. "
    "Go back to MCP Desk and start the server again if it still needs you to sign in."
)
_HTML = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>MCP Desk</title></head>'
    '<body style="font-family: sans-serif; margin: 3em"><p>{message}</p></body></html>'
)


async def _request_target(stream: SocketStream) -> str:
    """The path and query of the HTTP GET request arriving on `stream`."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += await stream.receive()
        if len(received) > _REQUEST_BYTES:
            raise ValueError("request too long")
    method, target, _version = received.split(b"\r\n", 1)[0].decode("ascii").split(" ")
    if method != "GET":
        raise ValueError(f"{method} is not GET")
    return target


def _page(status: int, message: str) -> bytes:
    body = _HTML.format(message=html.escape(message)).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def _registered_port(client: OAuthClientInformationFull | None) -> int | None:
    """The port of the loopback callback `client` was registered with, if any."""
    for uri in (client.redirect_uris or []) if client else []:
        if uri.scheme == "http" and uri.host == CALLBACK_HOST and uri.path == CALLBACK_PATH and uri.port:
            return uri.port
    return None


class _DeskOAuthProvider(OAuthClientProvider):
    """The SDK's provider with MCP Desk's browser, listener and keyring storage."""

    def __init__(
        self, url: str, storage: KeyringTokenStorage, browser: BrowserOpener, listener: CallbackListener
    ) -> None:
        metadata = OAuthClientMetadata(
            client_name=CLIENT_NAME,
            redirect_uris=[AnyUrl(listener.redirect_uri)],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        )
        super().__init__(
            url, metadata, storage, redirect_handler=self._sign_in, callback_handler=self._take_code
        )
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
        port = self._listener.choose_port(registered)
        context.client_metadata.redirect_uris = [AnyUrl(self._listener.redirect_uri)]
        if context.client_info is not None and port != registered:
            context.client_info = None  # registered for a port another program holds now: register again

    async def _sign_in(self, authorization_url: str) -> None:
        check_authorization_url(authorization_url)
        state = _query_value(parse_qs(urlsplit(authorization_url).query), "state")
        if not state:
            raise SignInProblem(
                "The sign-in address MCP Desk was about to open has no state check, so it was not opened. "
                "Start the server again."
            )

        async def open_browser() -> None:
            await anyio.to_thread.run_sync(self._browser.open, authorization_url, abandon_on_cancel=True)

        self._code = await self._listener.wait_for_code(state, open_browser)

    async def _take_code(self) -> AuthorizationCodeResult:
        code, self._code = self._code, None
        if code is None:
            raise SignInProblem("MCP Desk received no sign-in answer. Start the server again to sign in.")
        return code


def find_sign_in_problem(error: BaseException) -> SignInProblem | None:
    """The `SignInProblem` in `error`; the SDK's transport raises it inside exception groups."""
    if isinstance(error, SignInProblem):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            if (found := find_sign_in_problem(inner)) is not None:
                return found
    return None


def oauth_for(
    server: str,
    url: str,
    store: SecretVault,
    browser: BrowserOpener,
    redactor: Redactor,
    *,
    sign_in_limit: float = SIGN_IN_LIMIT_S,
) -> httpx2.Auth:
    """The `auth` for the httpx client of remote server `server` at `url`.

    Signs in through `browser` when the server asks for it and has no usable token in `store`.
    Build a new one for each connection; they share what they learn through `store`.
    """
    storage = KeyringTokenStorage(server, store, redactor)
    return _DeskOAuthProvider(url, storage, browser, CallbackListener(server, sign_in_limit))
