"""The Browse list's model: every word typed must match, narrowing reuses the rows shown, others rescan."""

from __future__ import annotations

from desktop.catalogue.control import Reach
from desktop.ui.models.catalogue_model import CatalogueModel
from tests.ui.catalogue_fakes import entry, sample_entries


def shown(model: CatalogueModel) -> list[str]:
    return [e.title for row in range(model.rowCount()) if (e := model.entry_at(row))]


def test_each_word_must_match_in_any_order_and_case(qapp: object) -> None:
    model = CatalogueModel()
    model.set_entries(sample_entries())
    model.set_filter("NOTES search")
    assert shown(model) == ["Team Notes"]
    model.set_filter("github files")
    assert shown(model) == ["Folder Tools"]
    model.set_filter("spreadsheet")
    assert shown(model) == []


def test_typing_on_gives_what_a_fresh_search_gives(qapp: object) -> None:
    """Narrowing reuses the rows shown; erasing, or changing a word, looks at every entry again."""
    typing = CatalogueModel()
    typing.set_entries(sample_entries())
    steps = ("t", "ti", "tim", "time", "time z", "time zo", "tim", "ti", "t", "", "s", "se", "sea", "xq")
    for typed in steps:
        typing.set_filter(typed)
        fresh = CatalogueModel()
        fresh.set_entries(sample_entries())
        fresh.set_filter(typed)
        assert shown(typing) == shown(fresh), typed
    assert len(shown(fresh)) == 0


def test_entries_without_search_words_are_matched_on_their_own_text(qapp: object) -> None:
    bare = entry("com.example/maps", "Maps", "Directions and places.", reach=Reach.REMOTE)
    model = CatalogueModel()
    model.set_entries((bare.__class__(**{**bare.__dict__, "search_text": ""}),))
    model.set_filter("PLACES example")
    assert shown(model) == ["Maps"]
    assert model.row_of("com.example/maps") == 0
    assert model.row_of("nothing/here") == -1
