"""Registry entries → install plans and, with the form filled in, a server's settings."""

from __future__ import annotations

import re
from typing import Any

import pytest

from desktop.catalogue.control import CatalogueProblem, FieldKind
from desktop.catalogue.install_plan import PlannedInstall, plan_server
from desktop.catalogue.install_recipe import build
from desktop.core.config import ServerConfig
from desktop.core.sandbox_policy import FileAccess
from tests.fixtures.registry_server import TENANT, TIME, TIME_VERSION, default_items

REGISTRY = "https://registry.example"


def _servers() -> dict[str, dict[str, Any]]:
    return {item["server"]["name"]: item["server"] for item in default_items()}


def _nowhere(program: str) -> str | None:
    return None


def _plan(name: str, docker: bool = True, taken: frozenset[str] = frozenset()) -> PlannedInstall:
    found = {"docker": "/usr/bin/docker"} if docker else {}
    return plan_server(_servers()[name], REGISTRY, True, set(taken), found.get)


def _built(planned: PlannedInstall, values: dict[str, str]) -> tuple[ServerConfig, dict[str, str]]:
    assert planned.recipe is not None, planned.plan.blocked
    built = build(planned.recipe, values, lambda key: f"srv.{key}")
    return built.config, built.secrets


def test_npm_runs_the_exact_version_with_mcp_desks_node_and_its_key_from_the_keyring() -> None:
    planned = _plan("io.github.domdomegg/airtable-mcp-server", taken=frozenset({"airtable-mcp-server"}))
    plan = planned.plan
    assert plan.suggested_name == "airtable-mcp-server-2" and plan.blocked is None
    assert plan.package.startswith("npm airtable-mcp-server@") and "latest" not in plan.package
    assert plan.publisher == "io.github.domdomegg" and plan.verified and REGISTRY in plan.source
    assert "in a sandbox. It will be able to use the internet; it won't see your files." in plan.abilities
    assert plan.sandbox is not None and plan.sandbox.network and plan.sandbox.files is FileAccess.NONE
    (key,) = plan.fields
    assert key.kind is FieldKind.SECRET and key.required and key.key == "AIRTABLE_API_KEY"
    config, secrets = _built(planned, {"AIRTABLE_API_KEY": "pat-123"})
    version = plan.package.rsplit("@", 1)[1]
    assert config.command == "npx" and config.args == ["-y", f"airtable-mcp-server@{version}"]
    assert config.runtime == "mcp-desk"
    assert config.env == {"AIRTABLE_API_KEY": "${secret:srv.AIRTABLE_API_KEY}"}
    assert secrets == {"srv.AIRTABLE_API_KEY": "pat-123"}
    assert (
        config.origin is not None and config.origin.version == version and config.origin.registry == REGISTRY
    )


def test_pypi_pins_the_version_and_fills_defaults() -> None:
    planned = _plan(TIME)
    assert planned.plan.package == f"PyPI mcp-server-time=={TIME_VERSION}"
    (zone,) = planned.plan.fields
    assert zone.key == "local-timezone" and zone.default == "UTC" and not zone.required
    config, _ = _built(planned, {})
    assert config.command == "uvx" and config.runtime == "mcp-desk"
    assert config.args == [f"mcp-server-time=={TIME_VERSION}", "--local-timezone", "UTC"]
    config, _ = _built(planned, {"local-timezone": "Europe/Paris"})
    assert config.args[-1] == "Europe/Paris"


def test_an_image_runs_in_docker_with_its_variables_passed_by_name() -> None:
    planned = _plan("io.github.grafana/mcp-grafana")
    assert planned.plan.package.startswith("Docker image ") and planned.plan.blocked is None
    required = {f.key: "value-of-" + f.key for f in planned.plan.fields if f.required}
    config, _ = _built(planned, required)
    assert config.command == "docker" and config.args[:3] == ["run", "-i", "--rm"]
    image = planned.plan.package.removeprefix("Docker image ")
    assert image in config.args and ":" in image.rsplit("/", 1)[-1]
    passed = [config.args[n + 1] for n, arg in enumerate(config.args) if arg == "-e"]
    assert set(passed) == set(config.env) and config.runtime is None


def test_without_docker_or_podman_an_image_is_blocked_in_a_sentence() -> None:
    plan = _plan("io.github.grafana/mcp-grafana", docker=False).plan
    assert plan.blocked is not None and "Docker" in plan.blocked and plan.blocked.endswith(".")


def test_a_remote_fills_its_address_and_keeps_its_key_as_a_reference() -> None:
    planned = _plan(TENANT)
    assert {f.key: f.kind for f in planned.plan.fields} == {
        "tenant": FieldKind.TEXT,
        "X-Api-Key": FieldKind.SECRET,
    }
    assert "publisher's service" in planned.plan.abilities
    config, secrets = _built(planned, {"tenant": "acme", "X-Api-Key": "k-1"})
    assert config.url == "https://acme.example.com/mcp" and config.command is None
    assert config.headers == {"X-Api-Key": "${secret:srv.X-Api-Key}"} and secrets == {"srv.X-Api-Key": "k-1"}


def test_a_secret_written_into_a_headers_value_is_asked_for() -> None:
    planned = _plan("ai.smithery/smithery-notion")
    (key,) = planned.plan.fields
    assert key.key == "smithery_api_key" and key.kind is FieldKind.SECRET
    config, _ = _built(planned, {"smithery_api_key": "s-1"})
    assert config.headers == {"Authorization": "Bearer ${secret:srv.smithery_api_key}"}


def test_required_values_left_empty_are_named() -> None:
    with pytest.raises(
        CatalogueProblem, match=re.escape("Fill in “Tenant” and “API key” before installing.")
    ):
        _built(_plan(TENANT), {})


def test_bundles_and_dotnet_are_blocked_in_sentences() -> None:
    assert _plan("io.github.jkawamoto/mcp-bear").plan.blocked == (
        "It comes as an MCP Bundle, which MCP Desk can't install from the catalogue yet."
    )
    nuget: dict[str, Any] = {"name": "a.b/c", "description": "d", "version": "1"}
    nuget["packages"] = [
        {"registryType": "nuget", "identifier": "X", "version": "1", "transport": {"type": "stdio"}}
    ]
    assert "NET" in (plan_server(nuget, REGISTRY, True, set(), _nowhere).plan.blocked or "")


def test_choices_flags_and_repeated_arguments() -> None:
    package = {
        "registryType": "npm",
        "identifier": "tool",
        "version": "2.0.0",
        "transport": {"type": "stdio"},
        "packageArguments": [
            {"type": "named", "name": "--mode", "choices": ["fast", "safe"], "default": "safe"},
            {"type": "named", "name": "--verbose", "format": "boolean"},
            {"type": "positional", "valueHint": "allowed_directory", "isRepeated": True, "isRequired": True},
        ],
    }
    server = {"name": "a.b/tool", "description": "d", "version": "2.0.0", "packages": [package]}
    planned = plan_server(server, REGISTRY, False, set(), _nowhere)
    kinds = {f.key: f.kind for f in planned.plan.fields}
    assert kinds == {
        "mode": FieldKind.CHOICE,
        "verbose": FieldKind.BOOLEAN,
        "allowed_directory": FieldKind.FOLDER,
    }
    config, _ = _built(planned, {"verbose": "true", "allowed_directory": "/a\n/b"})
    assert config.args == ["-y", "tool@2.0.0", "--mode", "safe", "--verbose", "/a", "/b"]
    config, _ = _built(planned, {"verbose": "false", "allowed_directory": "/a"})
    assert config.args == ["-y", "tool@2.0.0", "--mode", "safe", "/a"]
    with pytest.raises(CatalogueProblem, match=re.escape("Choose “Mode” from: fast, safe.")):
        _built(planned, {"mode": "reckless", "allowed_directory": "/a"})


def test_an_unpinned_package_is_never_installed_as_latest() -> None:
    server: dict[str, Any] = {"name": "a.b/c", "description": "d", "version": "1"}
    server["packages"] = [{"registryType": "npm", "identifier": "c", "transport": {"type": "stdio"}}]
    plan = plan_server(server, REGISTRY, True, set(), _nowhere).plan
    assert plan.blocked is not None and "which version" in plan.blocked
