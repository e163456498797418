"""server.json → the catalogue's entries, over the real list shipped with MCP Desk."""

from __future__ import annotations

from typing import Any

from desktop.catalogue.control import Reach
from desktop.catalogue.entries import API_KEY, DOCKER, FOLDER, NODE, PYTHON, parse_items
from desktop.catalogue.registry_cache import SHIPPED, read_list
from tests.fixtures.registry_server import TENANT, TIME, default_items


def test_the_shipped_list_reads_whole_and_real() -> None:
    shipped = read_list(SHIPPED)
    assert shipped is not None
    parsed = parse_items(shipped.items, verified=True)
    assert len(parsed.entries) >= 1000 and parsed.skipped == 0
    assert len({entry.name for entry in parsed.entries}) == len(parsed.entries)


def test_needs_publisher_and_reach_in_words() -> None:
    entries = {entry.name: entry for entry in parse_items(default_items(), verified=True).entries}
    airtable = entries["io.github.domdomegg/airtable-mcp-server"]
    assert airtable.needs == (NODE, API_KEY), "npm is preferred to its Docker image and bundle"
    assert airtable.publisher == "io.github.domdomegg" and airtable.reach is Reach.LOCAL
    assert airtable.icon_url and airtable.icon_url.startswith("https://")
    assert entries[TIME].needs == (PYTHON,)
    assert DOCKER in entries["io.github.grafana/mcp-grafana"].needs
    tenant = entries[TENANT]
    assert tenant.reach is Reach.REMOTE and tenant.needs == (API_KEY,)
    assert "airtable" in airtable.search_text and airtable.search_text == airtable.search_text.lower()


def test_a_folder_argument_is_said() -> None:
    server = {
        "name": "io.github.example/files",
        "description": "Files.",
        "version": "1.0.0",
        "packages": [
            {
                "registryType": "npm",
                "identifier": "files",
                "version": "1.0.0",
                "transport": {"type": "stdio"},
                "packageArguments": [{"type": "positional", "valueHint": "allowed_directory"}],
            }
        ],
    }
    (entry,) = parse_items([{"server": server}], verified=False).entries
    assert entry.needs == (NODE, FOLDER) and not entry.verified


def test_broken_entries_are_skipped_and_counted() -> None:
    good = {"name": "a.b/c", "description": "d", "version": "1"}
    broken: list[dict[str, Any]] = [
        {"server": "nope"},
        {},
        {"server": {"name": "no-slash", "description": "d", "version": "1"}},
    ]
    broken += [{"server": {"name": "a.b/d", "version": "1"}}, {"server": {**good, "packages": 5}}]
    parsed = parse_items([{"server": good}, *broken], verified=True)
    assert [entry.name for entry in parsed.entries] == ["a.b/c"] and parsed.skipped == 5
