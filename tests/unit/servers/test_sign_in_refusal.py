"""A failed sign-in, told in words: which refusal it was and what to do next, never a traceback."""

from __future__ import annotations

import pytest
from mcp.client.auth.exceptions import OAuthFlowError, OAuthRegistrationError, OAuthTokenError

from desktop.servers.oauth import find_sign_in_problem
from desktop.servers.sign_in_refusal import (
    CANCELLED,
    MIXED_UP,
    NO_REGISTRATION,
    NOT_ACCEPTED,
    NOT_USABLE,
    OTHER_SERVER,
    SignInProblem,
    refusal,
    refused,
)

# The SDK's own messages (mcp 2.3: mcp/client/auth/oauth2.py and utils.py), as it raises them.
SDK_ERRORS = [
    (OAuthFlowError("Authorization response iss mismatch: https://evil.example.com != http://as"), MIXED_UP),
    (
        OAuthFlowError("Authorization response missing iss parameter advertised by the authorization server"),
        MIXED_UP,
    ),
    (
        OAuthFlowError(
            "Authorization server metadata issuer mismatch: https://attacker.example != http://as"
        ),
        MIXED_UP,
    ),
    (OAuthRegistrationError("Registration failed: 404 Not Found"), NO_REGISTRATION),
    (OAuthRegistrationError('Registration failed: 403 {"error": "access_denied"}'), NO_REGISTRATION),
    (OAuthRegistrationError('Registration failed: 400 {"error": "invalid_client_metadata"}'), NOT_ACCEPTED),
    (OAuthTokenError('Token exchange failed (400): {"error": "invalid_scope"}'), None),
    (OAuthTokenError('Token exchange failed (400): {"error": "access_denied"}'), CANCELLED),
    (
        OAuthRegistrationError(
            "Authorization server registered the client for 'client_secret_basic' but issued no client_secret"
        ),
        NOT_ACCEPTED,
    ),
    (
        OAuthTokenError(
            'Token exchange failed (401): {"error":"invalid_client","error_description":"bad secret"}'
        ),
        NOT_ACCEPTED,
    ),
    (OAuthTokenError('Token exchange failed (400): {"error": "unauthorized_client"}'), NOT_ACCEPTED),
    (
        OAuthFlowError("Protected resource http://other/mcp does not match expected http://here/mcp"),
        OTHER_SERVER,
    ),
    (OAuthFlowError("Protected resource metadata request failed: HTTP 500"), NOT_USABLE),
]


@pytest.mark.parametrize(("error", "sentence"), SDK_ERRORS, ids=[str(e)[:40] for e, _ in SDK_ERRORS])
def test_each_sdk_refusal_becomes_its_sentence_with_the_sdk_words_behind_details(
    error: OAuthFlowError, sentence: str | None
) -> None:
    problem = refusal(error)
    if sentence is None:  # an OAuth code MCP Desk has no sentence for is quoted, not hidden
        assert "answered “invalid_scope”" in problem.message
    else:
        assert problem.message == sentence
    assert problem.message.startswith("Sign-in failed: ")
    assert problem.details == str(error)
    assert "Traceback" not in problem.message and "OAuth" not in problem.message


def test_a_refusal_is_found_wherever_the_transport_wrapped_it() -> None:
    sdk = OAuthFlowError("Authorization response iss mismatch: https://evil.example.com != http://as")
    try:
        try:
            raise sdk
        except OAuthFlowError as inner:
            raise RuntimeError("connection closed") from inner
    except RuntimeError as outer:
        wrapped = ExceptionGroup("transport", [ValueError("x"), ExceptionGroup("inner", [outer])])
    problem = find_sign_in_problem(wrapped)
    assert problem is not None and problem.message == MIXED_UP
    assert find_sign_in_problem(ExceptionGroup("other", [ValueError("not a sign-in")])) is None


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("access_denied", "cancelled or refused in the browser"),
        ("invalid_client", "does not accept MCP Desk as an app"),
        ("unauthorized_client", "does not accept MCP Desk as an app"),
        ("temporarily_unavailable", "answered “temporarily_unavailable”"),
        ("x" * 500, "answered “" + "x" * 60 + "”"),  # bad input: an endless code is cut short
    ],
)
def test_a_code_from_the_browser_says_what_it_means(code: str, words: str) -> None:
    problem = refused(code, "the user said no")
    assert isinstance(problem, SignInProblem)
    assert words in problem.message and "Press Start to sign in again." in problem.message
    assert "the user said no" in problem.details
    assert len(problem.message) < 300
