"""Typed words against the catalogue: every word must match; name and title hits first."""

from __future__ import annotations

from desktop.catalogue.control import CatalogueEntry
from desktop.catalogue.entries import parse_items
from desktop.catalogue.registry_cache import SHIPPED, read_list
from desktop.catalogue.search import CatalogueSearch


def _entries() -> tuple[CatalogueEntry, ...]:
    shipped = read_list(SHIPPED)
    assert shipped is not None
    return parse_items(shipped.items, verified=True).entries


def _search() -> CatalogueSearch:
    return CatalogueSearch(_entries())


def test_every_word_must_match_in_any_field() -> None:
    found = _search().find("airtable records")
    assert found and all("airtable" in e.search_text and "records" in e.search_text for e in found)
    assert len(_search().find("")) >= 1000
    assert _search().find("no-such-word-anywhere-xyz") == ()


def test_name_and_title_hits_come_before_description_hits() -> None:
    found = _search().find("github")
    in_head = ["github" in f"{e.name} {e.title}".lower() for e in found]
    assert in_head[0] and not in_head[-1]
    assert in_head == sorted(in_head, reverse=True)


def test_typing_on_gives_what_a_fresh_search_gives() -> None:
    entries = _entries()
    search = CatalogueSearch(entries)
    for typed in ("w", "we", "wea", "weat", "weather", "weather ", "weather a", "weather api", "weat"):
        assert search.find(typed) == CatalogueSearch(entries).find(typed), typed
