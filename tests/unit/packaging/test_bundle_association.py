""".mcpb files open in MCP Desk: the Linux install (real install.sh, real update-mime-database),
the Windows installer's file association and the macOS app's document type."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def built_bundle(folder: Path) -> Path:
    """What packaging/build-linux.sh puts beside install.sh (the program itself faked)."""
    folder.mkdir()
    shutil.copy(ROOT / "packaging" / "linux" / "install.sh", folder / "install.sh")
    shutil.copy(ROOT / "packaging" / "linux" / "mcp-desk-mime.xml", folder / "mcp-desk-mime.xml")
    shutil.copy(ROOT / "resources" / "mcp-desk.desktop", folder / "mcp-desk.desktop")
    (folder / "mcp-desk").write_text("#!/bin/sh\n", encoding="utf-8")
    for size in SIZES:
        icon = folder / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "mcp-desk.png"
        icon.parent.mkdir(parents=True)
        icon.write_bytes(b"png")
    svg = folder / "_internal" / "desktop" / "resources" / "icons" / "mcp-desk.svg"
    svg.parent.mkdir(parents=True)
    svg.write_text("<svg/>", encoding="utf-8")
    return folder


@pytest.mark.skipif(shutil.which("update-mime-database") is None, reason="needs Debian's shared-mime-info")
def test_the_linux_install_registers_mcpb_files_and_the_uninstall_forgets_them(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")}
    bundle = built_bundle(tmp_path / "mcp-desk")
    subprocess.run(
        ["bash", str(bundle / "install.sh")], env=env, check=True, capture_output=True, timeout=120
    )
    share = home / ".local" / "share"
    globs = (share / "mime" / "globs2").read_text(encoding="utf-8")
    assert "application/x-mcpb:*.mcpb" in globs, "update-mime-database read the type and its pattern"
    entry = (share / "applications" / "mcp-desk.desktop").read_text(encoding="utf-8")
    assert f'Exec="{share}/mcp-desk/app/mcp-desk" %f' in entry.splitlines(), "the file is handed to MCP Desk"
    assert "MimeType=application/x-mcpb;" in entry.splitlines()

    subprocess.run(
        ["bash", str(bundle / "install.sh"), "--uninstall"], env=env, check=True, capture_output=True
    )
    assert not (share / "mime" / "packages" / "mcp-desk.xml").exists()
    assert "application/x-mcpb" not in (share / "mime" / "globs2").read_text(encoding="utf-8")


def test_the_windows_installer_associates_mcpb_files() -> None:
    lines = (ROOT / "installer.iss").read_text(encoding="utf-8").splitlines()
    registry = [line for line in lines if line.startswith('Root: HKCU; Subkey: "Software\\Classes\\')]
    command = next(line for line in registry if "shell\\open\\command" in line)
    assert 'ValueData: """{app}\\{#AppExeName}"" ""%1"""' in command, "the bundle's path is passed, quoted"
    default = next(line for line in registry if 'Subkey: "Software\\Classes\\.mcpb";' in line)
    assert "Tasks: openbundles" in default and "uninsdeletevalue" in default
    assert "ChangesAssociations=yes" in lines


def test_the_macos_app_opens_mcpb_files() -> None:
    tree = ast.parse((ROOT / "packaging" / "mcp-desk.spec").read_text(encoding="utf-8"))
    plist_node = next(
        keyword.value for node in ast.walk(tree) if isinstance(node, ast.Call)
        for keyword in node.keywords if keyword.arg == "info_plist"
    )  # fmt: skip
    assert isinstance(plist_node, ast.Dict)
    plist: dict[str, Any] = {  # the literal entries (the version's are names)
        ast.literal_eval(key): ast.literal_eval(value)
        for key, value in zip(plist_node.keys, plist_node.values, strict=True)
        if key is not None and not isinstance(value, ast.Name)
    }
    (declared,) = plist["UTImportedTypeDeclarations"]
    assert declared["UTTypeTagSpecification"]["public.filename-extension"] == ["mcpb"]
    (document,) = plist["CFBundleDocumentTypes"]
    assert document["LSItemContentTypes"] == [declared["UTTypeIdentifier"]]
