"""Where MCP Desk keeps its files.

Every path the app uses comes from one `AppPaths`, built once by the composition
root. `MCP_DESK_HOME` moves all of them under one folder (tests, portable installs).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "MCP Desk"
HOME_ENV = "MCP_DESK_HOME"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path
    files_dir: Path
    """The folder the built-in files server shares until the user picks another."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> AppPaths:
        home = environ.get(HOME_ENV)
        if home:
            root = Path(home).expanduser().resolve()
            return cls(
                config_dir=root / "config",
                data_dir=root / "data",
                cache_dir=root / "cache",
                files_dir=root / "Shared files",
            )
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            files_dir=Path(platformdirs.user_documents_dir()) / APP_NAME,
        )

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.json"

    @property
    def run_dir(self) -> Path:
        """Bookkeeping about processes the app started (for cleaning up after a crash)."""
        return self.data_dir / "run"

    @property
    def logs_dir(self) -> Path:
        """The JSON-RPC log files."""
        return self.data_dir / "logs"

    @property
    def audit_file(self) -> Path:
        return self.data_dir / "audit.db"

    @property
    def consent_file(self) -> Path:
        """Remembered tool permissions and each server's standing consent choices."""
        return self.config_dir / "consent.json"

    @property
    def chats_file(self) -> Path:
        return self.data_dir / "chats.db"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def bundles_dir(self) -> Path:
        """MCPB bundles, unpacked: `<server>/<version>/`, and `.staging/` for those being installed."""
        return self.data_dir / "bundles"

    def ensure(self) -> None:
        for folder in (self.config_dir, self.data_dir, self.cache_dir, self.run_dir):
            folder.mkdir(parents=True, exist_ok=True)
