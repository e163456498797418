"""The folders other apps keep their models in, on each platform and as their settings move them."""

from __future__ import annotations

import json
from pathlib import Path, PurePath

import pytest

from desktop.core.paths import HOME_ENV
from desktop.llm.models.library import ModelSource
from desktop.llm.models.locations import SEARCH_HOME_ENV, default_locations
from desktop.services import model_locations


def test_default_locations_on_linux(tmp_path: Path) -> None:
    home = tmp_path / "home"

    found = default_locations(home, {}, "linux")

    assert (ModelSource.LM_STUDIO, home / ".lmstudio" / "models") in found
    assert (ModelSource.LM_STUDIO, home / ".cache" / "lm-studio" / "models") in found
    assert (ModelSource.HF_CACHE, home / ".cache" / "huggingface" / "hub") in found
    assert (ModelSource.JAN, home / ".local" / "share" / "Jan" / "data" / "llamacpp" / "models") in found
    assert (ModelSource.JAN, home / "jan" / "models") in found
    assert (ModelSource.OLLAMA, home / ".ollama" / "models") in found
    assert (ModelSource.OLLAMA, Path("/usr/share/ollama/.ollama/models")) in found
    assert len(found) == len(set(found))


def test_default_locations_follow_the_environment(tmp_path: Path) -> None:
    home = tmp_path / "home"
    environ = {
        "HF_HOME": "~/hf",
        "OLLAMA_MODELS": str(tmp_path / "big-disk" / "ollama"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }

    found = default_locations(home, environ, "linux")

    assert (ModelSource.HF_CACHE, home / "hf" / "hub") in found
    assert (ModelSource.OLLAMA, tmp_path / "big-disk" / "ollama") in found
    assert (ModelSource.JAN, tmp_path / "data" / "Jan" / "data" / "llamacpp" / "models") in found
    hub_cache = default_locations(home, {**environ, "HF_HUB_CACHE": str(tmp_path / "hub")}, "linux")
    assert [path for source, path in hub_cache if source is ModelSource.HF_CACHE] == [tmp_path / "hub"]
    xdg_cache = default_locations(home, {"XDG_CACHE_HOME": str(tmp_path / "cache")}, "linux")
    assert (ModelSource.HF_CACHE, tmp_path / "cache" / "huggingface" / "hub") in xdg_cache


def test_default_locations_read_lm_studio_and_jan_settings(tmp_path: Path) -> None:
    home = tmp_path / "home"
    lms_home = tmp_path / "elsewhere" / "lmstudio"
    lms_home.mkdir(parents=True)
    home.mkdir()
    (home / ".lmstudio-home-pointer").write_text(f"{lms_home}\n")
    (lms_home / "settings.json").write_text(json.dumps({"downloadsFolder": str(tmp_path / "models-disk")}))
    jan_config = home / ".local" / "share" / "jan.ai.app"
    jan_config.mkdir(parents=True)
    (jan_config / "settings.json").write_text(json.dumps({"data_folder": str(tmp_path / "jan-data")}))

    found = default_locations(home, {}, "linux")

    assert (ModelSource.LM_STUDIO, tmp_path / "models-disk") in found
    assert (ModelSource.JAN, tmp_path / "jan-data" / "llamacpp" / "models") in found
    (lms_home / "settings.json").write_text("{ broken")
    assert (ModelSource.LM_STUDIO, lms_home / "models") in default_locations(home, {}, "linux")


def test_default_locations_on_macos(tmp_path: Path) -> None:
    home = tmp_path / "home"

    found = default_locations(home, {"XDG_DATA_HOME": "/ignored/on/mac"}, "darwin")

    support = PurePath(home, "Library", "Application Support")
    assert (ModelSource.JAN, support / "Jan" / "data" / "llamacpp" / "models") in found
    assert (ModelSource.LM_STUDIO, home / ".lmstudio" / "models") in found
    assert (ModelSource.HF_CACHE, home / ".cache" / "huggingface" / "hub") in found
    assert (ModelSource.OLLAMA, home / ".ollama" / "models") in found
    assert all("/usr/share" not in str(path) and "/ignored" not in str(path) for _, path in found)


def test_default_locations_on_windows(tmp_path: Path) -> None:
    home = tmp_path / "Users" / "me"
    roaming = home / "AppData" / "Roaming"

    found = default_locations(home, {"APPDATA": str(roaming)}, "win32")
    without_appdata = default_locations(home, {}, "win32")

    assert (ModelSource.JAN, roaming / "Jan" / "data" / "llamacpp" / "models") in found
    assert (ModelSource.JAN, roaming / "Jan" / "data" / "llamacpp" / "models") in without_appdata
    assert (ModelSource.LM_STUDIO, home / ".lmstudio" / "models") in found
    assert (ModelSource.OLLAMA, home / ".ollama" / "models") in found
    assert all("/usr/share" not in str(path) for _, path in found)


def test_mcp_desk_home_does_not_move_where_other_apps_models_are_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tmp_path / "user"
    monkeypatch.setenv("HOME", str(user))
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "desk"))
    monkeypatch.delenv(SEARCH_HOME_ENV)

    assert (ModelSource.LM_STUDIO, user / ".lmstudio" / "models") in model_locations()


def test_another_home_to_look_in_is_named_explicitly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SEARCH_HOME_ENV, str(tmp_path / "elsewhere"))

    found = model_locations()

    assert (ModelSource.LM_STUDIO, tmp_path / "elsewhere" / ".lmstudio" / "models") in found
    system_wide = Path("/usr/share/ollama/.ollama/models")
    assert all(path.is_relative_to(tmp_path / "elsewhere") for _source, path in found if path != system_wide)
