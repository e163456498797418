"""The settings' registries (HTTPS only, loopback for tests) and where an installed server came from."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from desktop.core.config import (
    OFFICIAL_REGISTRY,
    AppSettings,
    CatalogueOrigin,
    ServerConfig,
    check_registry_url,
)


def test_the_official_registry_is_the_default() -> None:
    assert AppSettings().registry_urls == [OFFICIAL_REGISTRY]


@pytest.mark.parametrize(
    "url", ["https://registry.example.com", "https://mcp.example.com/registry/", "http://127.0.0.1:8123"]
)
def test_https_and_loopback_registries_are_taken(url: str) -> None:
    assert check_registry_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://registry.example.com",
        "ftp://x",
        "https://",
        "registry.example.com",
        "http://127.0.0.1.evil.com",
    ],
)
def test_other_registries_are_refused_in_a_sentence(url: str) -> None:
    with pytest.raises(ValidationError, match="its address must start with https://"):
        AppSettings(registry_urls=[url])


def test_where_a_server_came_from_is_not_part_of_what_the_user_approved() -> None:
    plain = ServerConfig(command="uvx", args=["mcp-server-time==2026.10.19"])
    origin = CatalogueOrigin(registry=OFFICIAL_REGISTRY, name="io.github.x/time", version="2026.10.19")
    assert plain.model_copy(update={"origin": origin}).launch_hash() == plain.launch_hash()
    assert ServerConfig.model_validate({**plain.model_dump(), "origin": origin.model_dump()}).origin == origin
