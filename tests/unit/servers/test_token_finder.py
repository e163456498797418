"""Which imported values look like keys and tokens, and what the settings keep instead."""

from __future__ import annotations

import pytest

from desktop.core.config import ServerConfig
from desktop.servers.token_finder import FoundSecret, find_tokens, looks_like_token, with_references


@pytest.mark.parametrize(
    "value",
    [
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
        "sk-proj-abcdefghijklmnop1234",
        "xoxb-123456789012-abcdefghijkl",
        "glpat-abcdefghij1234567890",
        "AKIAIOSFODNN7EXAMPLE1234",
        "hf_abcdefghijklmnopqrstuvwxyz",
        "Zx9qR2vL8mN4pT7wK1yB6cF3hJ5gD0sA",
    ],
)
def test_token_shapes_and_long_random_strings_are_found(value: str) -> None:
    assert looks_like_token(value)


@pytest.mark.parametrize(
    "value",
    ["production", "/usr/local/share/some/very/long/path/to/a/thing", "${secret:X}", "hello world", ""],
)
def test_ordinary_values_are_left_alone(value: str) -> None:
    assert not looks_like_token(value)
    assert not looks_like_token(value, "LOG_LEVEL")


def test_a_name_that_says_secret_is_enough_for_a_plain_value() -> None:
    assert looks_like_token("hunter2hunter2", "DB_PASSWORD")
    assert not looks_like_token("short", "API_KEY"), "too short to be a real key"


def test_found_in_env_headers_and_args_and_replaced_by_references() -> None:
    config = ServerConfig(
        command="npx",
        args=["-y", "server-github", "--api-key=sk-live-abcdefghijklmnop", "/data"],
        env={"GITHUB_TOKEN": "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "LOG_LEVEL": "debug"},
        headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"},
    )
    taken = {"GITHUB_TOKEN"}
    found = find_tokens("github", config, taken)
    assert [(f.place, f.key, f.secret) for f in found] == [
        ("env", "GITHUB_TOKEN", "GITHUB_TOKEN_2"),
        ("headers", "Authorization", "GITHUB_AUTHORIZATION"),
        ("args", "2", "GITHUB_API-KEY"),
    ]
    assert found[1].value == "eyJhbGciOiJIUzI1NiJ9.payload.sig", "the scheme stays in the header"
    assert [f.where for f in found] == [
        "environment variable GITHUB_TOKEN",
        "header Authorization",
        "argument 3",
    ]
    assert taken == {"GITHUB_TOKEN", "GITHUB_TOKEN_2", "GITHUB_AUTHORIZATION", "GITHUB_API-KEY"}

    moved = with_references(config, found)
    assert moved.env == {"GITHUB_TOKEN": "${secret:GITHUB_TOKEN_2}", "LOG_LEVEL": "debug"}
    assert moved.headers == {"Authorization": "Bearer ${secret:GITHUB_AUTHORIZATION}"}
    assert moved.args == ["-y", "server-github", "--api-key=${secret:GITHUB_API-KEY}", "/data"]
    assert moved.with_secrets({f.secret: f.value for f in found}) == config


def test_nothing_found_in_a_config_without_secrets() -> None:
    assert find_tokens("time", ServerConfig(command="uvx", args=["mcp-server-time"]), set()) == []
    assert isinstance(FoundSecret("env", "A", "b", "A").where, str)
