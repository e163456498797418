"""Why a sign-in failed, in words: a refused sign-in is not a crash.

The SDK's OAuth flow says why it stopped only in the text of its `OAuthFlowError`s ("iss
mismatch", "Registration failed: 404", "Token exchange failed (401): {"error":
"invalid_client"}"), and the browser's way back may carry an OAuth `error` code
(`access_denied`). `refusal` turns either into a `SignInProblem`: what was wrong and what to do
next. None of them passes by waiting, so none is retried: the user decides when to sign in again.
"""

from __future__ import annotations

import re

from mcp.client.auth.exceptions import OAuthFlowError, OAuthRegistrationError

from desktop.servers.control import ServerProblem

AGAIN = "Press Start to sign in again."


class SignInProblem(ServerProblem):
    """Signing in to a server failed or was refused; the message says what to do next."""


MIXED_UP = (
    "Sign-in failed: the sign-in server that answered is not the one this server named, so MCP Desk "
    "stopped before using it. This protects your account. Check the server's address with its "
    f"provider. {AGAIN}"
)
NOT_ACCEPTED = (
    "Sign-in failed: the server's sign-in does not accept MCP Desk as an app. If the server's "
    "provider gave you a client ID, enter it under “Sign-in” in the server's settings. " + AGAIN
)
NO_REGISTRATION = (
    "Sign-in failed: the server's sign-in does not let apps register themselves. Ask its provider for "
    "a client ID (and secret) for MCP Desk and enter them under “Sign-in” in the server's settings. " + AGAIN
)
CANCELLED = f"Sign-in failed: the sign-in was cancelled or refused in the browser. {AGAIN}"
OTHER_SERVER = (
    "Sign-in failed: the server's sign-in settings name a different server than its address, so MCP "
    "Desk did not sign in there. Check the address with the server's provider."
)
NOT_USABLE = (
    "Sign-in failed: the server asks you to sign in, but its sign-in is not one MCP Desk can use. "
    "If its instructions give a key or token, add it as a header in its settings."
)

_BY_CODE = {
    "access_denied": CANCELLED,
    "invalid_client": NOT_ACCEPTED,
    "unauthorized_client": NOT_ACCEPTED,
    "invalid_request": NOT_ACCEPTED,
    "unsupported_response_type": NOT_USABLE,
}
"""OAuth error codes (RFC 6749 §4.1.2.1, §5.2) the sign-in server may answer with."""

_BY_TEXT = (
    (re.compile(r"\biss\b|issuer mismatch"), MIXED_UP),
    (re.compile(r"^Registration failed: (401|403|404|405|501)\b"), NO_REGISTRATION),
    (re.compile(r"^Protected resource \S+ does not match"), OTHER_SERVER),
)
"""What the SDK's own messages say, first match wins."""


def refused(code: str, description: str = "") -> SignInProblem:
    """The sign-in server answered with OAuth error `code` (from the browser or the token endpoint)."""
    said = f"The sign-in server answered “{code}”" + (f": {description}" if description else ".")
    sentence = _BY_CODE.get(code)
    if sentence is None:
        sentence = f"Sign-in failed: the sign-in server answered “{code[:60]}”. {AGAIN}"
    return SignInProblem(sentence, said)


def refusal(error: OAuthFlowError) -> SignInProblem:
    """What the SDK's `error` means for the user."""
    text = str(error)
    for pattern, sentence in _BY_TEXT:
        if pattern.search(text):
            return SignInProblem(sentence, text)
    if isinstance(error, OAuthRegistrationError):
        return SignInProblem(NOT_ACCEPTED, text)
    if (code := _error_code(text)) is not None:
        return SignInProblem(refused(code).message, text)
    return SignInProblem(NOT_USABLE, text)


def _error_code(text: str) -> str | None:
    """The OAuth `error` in a token endpoint's answer quoted in the SDK's message, if any."""
    found = re.search(r'"error"\s*:\s*"([a-z_]{1,60})"', text)
    return found.group(1) if found else None
