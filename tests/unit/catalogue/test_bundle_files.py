"""Hostile bundles: each refused in a sentence, nothing written outside, nothing half-installed."""

from __future__ import annotations

import secrets
import zipfile
from pathlib import Path
from typing import Any

import pytest

from desktop.catalogue.bundle_compatibility import PLATFORM_WORDS, this_platform
from desktop.catalogue.bundle_files import BundleFolders, Limits
from desktop.catalogue.bundles import BundleInstaller
from desktop.catalogue.control import CatalogueProblem
from tests.fixtures.mcpb_bundles import python_manifest, write_bundle


def every_file(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if not path.is_dir()}


def refused(tmp_path: Path, bundle: Path, limits: Limits | None = None) -> str:
    """Plan `bundle`; the sentence it was refused with, once nothing new is left anywhere under tmp_path."""
    before = every_file(tmp_path)
    installer = BundleInstaller(BundleFolders(tmp_path / "data" / "bundles", limits or Limits()))
    with pytest.raises(CatalogueProblem) as problem:
        installer.plan(bundle, taken_names=())
    assert every_file(tmp_path) == before, "a refused bundle left files behind"
    staging = tmp_path / "data" / "bundles" / ".staging"
    assert not staging.exists() or list(staging.iterdir()) == [], "a refused bundle left its staging folder"
    assert "Traceback" not in problem.value.message and problem.value.details
    return problem.value.message


def hostile(tmp_path: Path, name: str, data: bytes = b"owned", **info: Any) -> Path:
    """The sample Python bundle, plus one entry called `name`."""
    bundle = write_bundle(tmp_path / "in" / "hostile.mcpb", python_manifest())
    with zipfile.ZipFile(bundle, "a") as zipped:
        entry = zipfile.ZipInfo(name)
        for field, value in info.items():
            setattr(entry, field, value)
        zipped.writestr(entry, data)
    return bundle


@pytest.fixture(autouse=True)
def incoming(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()


@pytest.mark.parametrize("name", ["../../escaped.txt", "server/../../../escaped.txt", "..\\..\\escaped.txt"])
def test_a_name_that_climbs_out_is_refused(tmp_path: Path, name: str) -> None:
    assert "outside its own folder" in refused(tmp_path, hostile(tmp_path, name))
    assert not list(tmp_path.parent.rglob("escaped.txt"))


@pytest.mark.parametrize(
    "name",
    ["/tmp/escaped.txt", "\\escaped.txt", "C:/Windows/escaped.txt", "c:escaped.txt", "server/main.py:hidden"],
)
def test_an_absolute_name_or_a_drive_letter_is_refused(tmp_path: Path, name: str) -> None:
    assert "outside its own folder" in refused(tmp_path, hostile(tmp_path, name))


def test_a_link_is_refused(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "in" / "link.mcpb", python_manifest(), links={"server/data": "/etc"})
    assert "holds a link" in refused(tmp_path, bundle)


def test_a_zip_bomb_stops_while_it_is_read(tmp_path: Path) -> None:
    zeros = bytes(64 << 20)
    bundle = hostile(tmp_path, "server/data.bin", zeros, compress_type=zipfile.ZIP_DEFLATED)
    assert bundle.stat().st_size < 1 << 20, "a small file that unpacks to a huge one"
    assert "zip bomb" in refused(tmp_path, bundle)


def test_a_size_the_zip_does_not_admit_to_is_caught(tmp_path: Path) -> None:
    """The header says 10 bytes, the data is 3 MB: reading counts what comes out, not what was claimed."""
    bundle = hostile(tmp_path, "server/data.bin", b"x" * (3 << 20), compress_type=zipfile.ZIP_STORED)
    data = bytearray(bundle.read_bytes())
    claimed = (3 << 20).to_bytes(4, "little")
    assert data.count(claimed) == 4, "compressed and uncompressed size, in the local and central headers"
    data[:] = data.replace(claimed, (10).to_bytes(4, "little"))
    bundle.write_bytes(bytes(data))
    assert "not a complete .mcpb file" in refused(tmp_path, bundle)


def test_a_file_or_a_total_too_large_is_refused(tmp_path: Path) -> None:
    bundle = hostile(tmp_path, "server/big.bin", b"y" * 5000)
    assert "holds a file too large" in refused(tmp_path, bundle, Limits(max_file_bytes=4096))
    assert "unpacks to more than MCP Desk allows" in refused(tmp_path, bundle, Limits(max_total_bytes=6000))


def test_too_many_files_are_refused_before_any_is_written(tmp_path: Path) -> None:
    many = {f"server/node_modules/m{n}.js": "" for n in range(20_001)}
    bundle = write_bundle(tmp_path / "in" / "many.mcpb", python_manifest(), many)
    assert "holds too many files (20,0" in refused(tmp_path, bundle)


def test_the_same_name_twice_is_refused(tmp_path: Path) -> None:
    assert "the same file twice" in refused(tmp_path, hostile(tmp_path, "SERVER/MAIN.PY"))


def test_a_bundle_without_its_program_is_refused(tmp_path: Path) -> None:
    manifest = python_manifest()
    manifest["server"]["entry_point"] = "server/missing.py"
    sentence = refused(tmp_path, write_bundle(tmp_path / "in" / "hollow.mcpb", manifest))
    assert "the program it should run (server/missing.py) isn't in it" in sentence


def test_an_entry_point_outside_the_bundle_is_refused(tmp_path: Path) -> None:
    manifest = python_manifest()
    manifest["server"]["entry_point"] = "../../../../usr/bin/python3"
    assert "isn't in it" in refused(tmp_path, write_bundle(tmp_path / "in" / "out.mcpb", manifest))


@pytest.mark.parametrize(
    ("manifest", "words"),
    [
        ('{"manifest_version": "0.3", ', "is damaged"),
        (python_manifest(manifest_version="1.0"), "doesn't know (version 1.0)"),
        (None, "has no manifest.json inside"),
        ('{"padding": "' + secrets.token_hex(1 << 20) + '"}', "far larger than any bundle's"),
    ],
)
def test_a_bad_manifest_leaves_nothing_unpacked(tmp_path: Path, manifest: Any, words: str) -> None:
    assert words in refused(tmp_path, write_bundle(tmp_path / "in" / "bad.mcpb", manifest))


@pytest.mark.parametrize("flag", [0x00, 0x01], ids=["damaged data", "encrypted"])
def test_a_damaged_or_encrypted_entry_is_refused(tmp_path: Path, flag: int) -> None:
    text = b"The quick brown fox jumps over the lazy dog. " * 2000
    bundle = hostile(tmp_path, "server/notes.txt", text, compress_type=zipfile.ZIP_DEFLATED)
    data = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as zipped:
        entry = zipped.getinfo("server/notes.txt")
    start = entry.header_offset + 30 + len(entry.filename)
    if flag:
        for at in (entry.header_offset + 6, data.rfind(b"PK\x01\x02") + 8):
            data[at] |= flag
    else:
        data[start + 10 : start + 40] = bytes(range(30))
    bundle.write_bytes(bytes(data))
    assert "not a complete .mcpb file" in refused(tmp_path, bundle)


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "in" / "notes.mcpb"
    fake.write_text("just some text", encoding="utf-8")
    assert "not a complete .mcpb file" in refused(tmp_path, fake)


def test_a_platform_it_is_not_made_for_blocks_it_and_keeps_nothing(tmp_path: Path) -> None:
    elsewhere = next(name for name in PLATFORM_WORDS if name != this_platform())
    manifest = python_manifest(compatibility={"platforms": [elsewhere]})
    folders = BundleFolders(tmp_path / "data" / "bundles")
    plan = BundleInstaller(folders).plan(write_bundle(tmp_path / "in" / "elsewhere.mcpb", manifest), ())
    here = PLATFORM_WORDS[this_platform()]
    assert (
        plan.blocked
        == f"This bundle is made for {PLATFORM_WORDS[elsewhere]} only, and this computer runs {here}."
    )
    assert plan.token == "" and list(folders.staging.iterdir()) == []
