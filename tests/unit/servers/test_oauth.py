"""The small checks around OAuth sign-in: which addresses may reach a browser, and which redirects count.

The listener tests talk to the real listener over real loopback sockets.
"""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable

import anyio
import httpx2
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from mcp.shared.auth import OAuthToken

from desktop.core.redact import Redactor
from desktop.core.secret_refs import check_name
from desktop.core.secrets import SecretStore
from desktop.servers.oauth import KeyringTokenStorage, find_sign_in_problem, secret_names
from desktop.servers.sign_in_listener import CallbackListener, SignInProblem, check_authorization_url

STATE = "expected-state-9f2c"


@pytest.mark.parametrize(
    "url",
    [
        "https://auth.example.com/authorize?state=x",
        "https://auth.example.com:8443/oauth/authorize",
        "http://127.0.0.1:8080/authorize",
        "http://localhost/authorize",
        "http://[::1]:9000/authorize",
        "HTTPS://Auth.Example.com/authorize",
    ],
)
def test_https_and_loopback_http_addresses_may_be_opened(url: str) -> None:
    check_authorization_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://auth.example.com/authorize",
        "http://192.168.1.10/authorize",
        "http://127.0.0.1.example.com/authorize",
        "http://localhost.example.com/authorize",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https:///no-host",
        "ftp://127.0.0.1/authorize",
        "https://auth.example.com/authorize\n--flag",
        "https://auth.example.com/ authorize",
        "http://[::1/authorize",
        "",
    ],
)
def test_other_addresses_are_refused_with_a_sentence(url: str) -> None:
    with pytest.raises(SignInProblem) as refused:
        check_authorization_url(url)
    assert "no browser was opened" in refused.value.message
    assert "Traceback" not in refused.value.message


def test_secret_names_are_valid_keyring_names_for_the_longest_server_name() -> None:
    for name in secret_names("s" * 48):
        check_name(name)


def test_a_sign_in_problem_is_found_inside_exception_groups() -> None:
    problem = SignInProblem("Sign in again.")
    nested = ExceptionGroup("outer", [ValueError("x"), ExceptionGroup("inner", [problem])])
    assert find_sign_in_problem(nested) is problem
    assert find_sign_in_problem(ExceptionGroup("other", [ValueError("x")])) is None


async def _visit_while_waiting(
    listener: CallbackListener, visit: Callable[[httpx2.AsyncClient], Awaitable[None]]
) -> object:
    """Wait for a code while `visit` plays the browser; returns the code or the problem."""
    listening = anyio.Event()

    async def opened() -> None:
        listening.set()

    async def browser() -> None:
        await listening.wait()
        async with httpx2.AsyncClient(timeout=10) as http:
            await visit(http)

    outcome: object = None
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(browser)
        try:
            outcome = await listener.wait_for_code(STATE, opened)
        except SignInProblem as problem:
            outcome = problem
    return outcome


@pytest.mark.anyio
async def test_redirects_with_a_wrong_or_missing_state_are_answered_and_ignored() -> None:
    listener = CallbackListener("remote")
    pages: list[httpx2.Response] = []

    async def visit(http: httpx2.AsyncClient) -> None:
        for query in ("code=forged&state=wrong", "code=forged", "state=" + STATE[:-1] + "X&code=forged"):
            pages.append(await http.get(f"{listener.redirect_uri}?{query}"))
        pages.append(await http.get(f"http://127.0.0.1:{listener.port}/favicon.ico"))
        await http.get(f"{listener.redirect_uri}?code=real-code&state={STATE}&iss=https%3A%2F%2Fas.example")

    outcome = await _visit_while_waiting(listener, visit)

    assert [page.status_code for page in pages] == [400, 400, 400, 404]
    assert all("ignored" in page.text for page in pages[:3])
    assert not isinstance(outcome, SignInProblem)
    assert getattr(outcome, "code", None) == "real-code"
    assert getattr(outcome, "state", None) == STATE
    assert getattr(outcome, "iss", None) == "https://as.example"


@pytest.mark.anyio
async def test_a_refusal_from_the_sign_in_page_ends_the_wait_with_a_sentence() -> None:
    listener = CallbackListener("remote")
    pages: list[httpx2.Response] = []

    async def visit(http: httpx2.AsyncClient) -> None:
        pages.append(await http.get(f"{listener.redirect_uri}?error=access_denied&state={STATE}"))

    outcome = await _visit_while_waiting(listener, visit)

    assert isinstance(outcome, SignInProblem)
    assert outcome.message.startswith("Sign-in failed: the sign-in was cancelled")
    assert "Press Start to sign in again." in outcome.message and "access_denied" in outcome.details
    assert pages[0].status_code == 400 and "did not finish" in pages[0].text


@pytest.mark.anyio
async def test_nobody_signing_in_ends_the_wait_with_a_sentence() -> None:
    listener = CallbackListener("remote", limit=0.05)

    async def nobody_comes() -> None:
        pass

    with pytest.raises(SignInProblem) as gave_up:
        await listener.wait_for_code(STATE, nobody_comes)
    assert "stopped waiting" in gave_up.value.message


@pytest.mark.anyio
async def test_a_browser_that_cannot_start_ends_the_wait_with_a_sentence() -> None:
    listener = CallbackListener("remote")

    async def no_browser() -> None:
        raise RuntimeError("no web browser could be started")

    with pytest.raises(SignInProblem) as failed:
        await listener.wait_for_code(STATE, no_browser)
    assert "could not open a web browser" in failed.value.message


@pytest.mark.anyio
async def test_the_listener_is_on_loopback_only_and_says_so_when_its_port_is_taken() -> None:
    listener = CallbackListener("remote")
    assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}/callback"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past the last sign-in's TIME_WAIT
        squatter.bind(("127.0.0.1", listener.port))
        squatter.listen()
        with pytest.raises(SignInProblem) as taken:
            await listener.wait_for_code(STATE, _nothing)
        assert "another program is using it" in taken.value.message
        assert listener.choose_port(listener.port) != squatter.getsockname()[1]


async def _nothing() -> None:
    pass


@pytest.mark.anyio
async def test_an_unsafe_keyring_holds_no_tokens_and_stops_a_sign_in_with_its_sentence() -> None:
    storage = KeyringTokenStorage("remote", SecretStore(FailKeyring()), Redactor())  # type: ignore[no-untyped-call]
    assert await storage.get_tokens() is None, "a server that needs no sign-in still connects"
    with pytest.raises(SignInProblem) as refused:
        await storage.set_tokens(OAuthToken(access_token="abc-token", token_type="Bearer"))
    assert "cannot store secrets safely" in refused.value.message
