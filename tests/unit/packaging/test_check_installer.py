"""packaging/check_installer.py: installer.iss checked without Windows, against a bundle's layout."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHECKER = ROOT / "packaging" / "check_installer.py"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of installer.iss beside the icon and a built bundle's layout (as on Linux: no .exe)."""
    shutil.copy(ROOT / "installer.iss", tmp_path / "installer.iss")
    icons = tmp_path / "resources" / "icons"
    icons.mkdir(parents=True)
    (icons / "mcp-desk.ico").write_bytes(b"\0\0\1\0")
    bundle = tmp_path / "dist" / "mcp-desk"
    (bundle / "_internal" / "desktop").mkdir(parents=True)
    (bundle / "mcp-desk").write_bytes(b"program")
    (bundle / "_internal" / "base_library.zip").write_bytes(b"zip")
    return tmp_path


def check(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECKER), "--iss", str(project / "installer.iss"), *extra],
        capture_output=True,
        text=True,
        timeout=60,
    )


def edit(project: Path, old: str, new: str) -> None:
    iss = project / "installer.iss"
    text = iss.read_text(encoding="utf-8")
    assert old in text
    iss.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_installer_script_matches_the_bundle(project: Path) -> None:
    result = check(project)
    assert result.returncode == 0, result.stderr
    assert "every file it ships is in the bundle" in result.stdout


def test_a_file_missing_from_the_bundle_is_named(project: Path) -> None:
    shutil.rmtree(project / "dist" / "mcp-desk" / "_internal")
    result = check(project)
    assert result.returncode == 1
    assert result.stderr.strip() == r"[Files] source dist\mcp-desk\_internal\* is not in the built bundle."


def test_the_bundle_can_be_somewhere_else(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert check(project, "--bundle", str(elsewhere)).returncode == 1
    shutil.copytree(project / "dist" / "mcp-desk", elsewhere, dirs_exist_ok=True)
    assert check(project, "--bundle", str(elsewhere)).returncode == 0


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("PrivilegesRequired=lowest\n", "", "[Setup] lacks PrivilegesRequired."),
        ("PrivilegesRequired=lowest", "PrivilegesRequired=admin", "PrivilegesRequired must be lowest"),
        ("AppId={{00BAF143", "AppId={{#AppName}-{{00BAF143", "AppId must be one fixed GUID"),
        ("AppVersion={#AppVersion}\n", "AppVersion=1.0\n", "AppVersion must be {#AppVersion}"),
        ("#ifdef SignToolName\nSignTool", "#ifdef SignToolName\nNoSignTool", "[Setup] lacks SignTool."),
        ("Flags: nowait postinstall skipifsilent", "Flags: nowait", "[Run] does not offer to start"),
        ("Tasks: startatsignin\n", "\n", "does not write the “MCP Desk” sign-in value"),
        ("[Icons]\n", "[Shortcuts]\n", "The section [Icons] is missing."),
        ("DelTree(", "RemoveDir(", "[Code] lacks DelTree"),
        ('#define BundleDir "dist\\mcp-desk"\n', "", "uses a name that is never defined"),
    ],
)
def test_a_missing_or_wrong_setting_is_reported(project: Path, old: str, new: str, problem: str) -> None:
    edit(project, old, new)
    result = check(project)
    assert result.returncode == 1
    assert problem in result.stderr


def test_a_missing_icon_is_reported(project: Path) -> None:
    (project / "resources" / "icons" / "mcp-desk.ico").unlink()
    result = check(project)
    assert result.returncode == 1
    assert "installer icon resources\\icons\\mcp-desk.ico does not exist" in result.stderr
