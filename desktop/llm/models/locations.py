"""Where LM Studio, the Hugging Face hub, Jan and Ollama keep their models on this computer."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path

from desktop.llm.models.library import ModelSource, read_small

SEARCH_HOME_ENV = "MCP_DESK_MODEL_SEARCH_HOME"
"""A home to look in for other apps' models instead of the user's own (tests point it at theirs)."""


def default_locations(
    home: Path, environ: Mapping[str, str], platform: str = sys.platform
) -> list[tuple[ModelSource, Path]]:
    """The folders where LM Studio, the Hugging Face hub, Jan and Ollama keep models on `platform`.

    Follows their environment variables, LM Studio's home pointer and models-folder setting, and a
    Jan data folder moved in its settings; a folder that doesn't exist is simply listed, not checked.
    """
    candidates = [
        *((ModelSource.LM_STUDIO, path) for path in _lm_studio_dirs(home)),
        (ModelSource.HF_CACHE, _hf_cache_dir(home, environ)),
        *((ModelSource.JAN, path) for path in _jan_dirs(home, environ, platform)),
        *((ModelSource.OLLAMA, path) for path in _ollama_dirs(home, environ, platform)),
    ]
    unique: list[tuple[ModelSource, Path]] = []
    for candidate in candidates:
        if candidate not in unique:
            unique.append(candidate)
    return unique


def _lm_studio_dirs(home: Path) -> list[Path]:
    # LM Studio names its home in ~/.lmstudio-home-pointer and its models folder in settings.json.
    text = (read_small(home / ".lmstudio-home-pointer") or b"").decode("utf-8", "replace").strip()
    pointed = Path(text.splitlines()[0].strip()) if text else None
    lms_home = pointed if pointed is not None and pointed.is_absolute() else home / ".lmstudio"
    chosen = _json_path(lms_home / "settings.json", "downloadsFolder", home) or lms_home / "models"
    return [chosen, home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"]


def _hf_cache_dir(home: Path, environ: Mapping[str, str]) -> Path:
    direct = _env_path(environ, "HF_HUB_CACHE", home) or _env_path(environ, "HUGGINGFACE_HUB_CACHE", home)
    if direct is not None:
        return direct
    hf_home = _env_path(environ, "HF_HOME", home)
    if hf_home is None:
        hf_home = (_env_path(environ, "XDG_CACHE_HOME", home) or home / ".cache") / "huggingface"
    return hf_home / "hub"


def _jan_dirs(home: Path, environ: Mapping[str, str], platform: str) -> list[Path]:
    # Jan 0.6+ keeps <data dir>/Jan/data/llamacpp/models; 0.5 kept <config>/Jan/data/models; older ~/jan.
    # A moved data folder is named by `data_folder` in settings.json (Tauri's app dir, or the old one).
    if platform == "win32":
        data = config = _env_path(environ, "APPDATA", home) or home / "AppData" / "Roaming"
    elif platform == "darwin":
        data = config = home / "Library" / "Application Support"
    else:
        data = _env_path(environ, "XDG_DATA_HOME", home) or home / ".local" / "share"
        config = _env_path(environ, "XDG_CONFIG_HOME", home) or home / ".config"
    custom = [
        _json_path(folder / "settings.json", "data_folder", home)
        for folder in (data / "jan.ai.app", config / "Jan")
    ]
    moved = [
        path / sub for path in custom if path is not None for sub in (Path("llamacpp/models"), Path("models"))
    ]
    defaults = [data / "Jan" / "data" / "llamacpp" / "models", config / "Jan" / "data" / "models"]
    return [*moved, *defaults, home / "jan" / "models"]


def _ollama_dirs(home: Path, environ: Mapping[str, str], platform: str) -> list[Path]:
    chosen = _env_path(environ, "OLLAMA_MODELS", home)
    dirs = [chosen] if chosen is not None else []
    dirs.append(home / ".ollama" / "models")
    if platform.startswith("linux"):
        dirs.append(Path("/usr/share/ollama/.ollama/models"))  # the system service's home
    return dirs


def _env_path(environ: Mapping[str, str], key: str, home: Path) -> Path | None:
    value = environ.get(key, "").strip()
    return _expand(value, home) if value else None


def _expand(value: str, home: Path) -> Path:
    if value == "~":
        return home
    if value.startswith(("~/", "~\\")):
        return home / value[2:]
    return Path(value)


def _json_path(path: Path, key: str, home: Path) -> Path | None:
    raw = read_small(path)
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, RecursionError):
        return None
    value = data.get(key) if isinstance(data, dict) else None
    return _expand(value.strip(), home) if isinstance(value, str) and value.strip() else None
