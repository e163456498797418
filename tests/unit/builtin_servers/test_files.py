"""The built-in files server, driven in-process through the SDK client.

Layout used throughout: ``tmp_path/shared`` is the shared folder and ``tmp_path/outside`` holds a
secret no tool may reach. ``link_out`` (a folder link), ``leak.txt`` (a file link) and ``dangling``
(a link to a file that doesn't exist yet) all point from inside the shared folder to outside it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent

from desktop.builtin_servers.files import MAX_SEARCH_RESULTS, build_server, main

READ_TOOLS = {"list_directory", "read_text_file", "search_files", "file_info"}
WRITE_TOOLS = {"write_text_file", "make_directory"}
SECRET = "the secret outside the shared folder\n"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _symlink(link: Path, target: Path) -> None:
    try:
        link.symlink_to(target, target_is_directory=target.is_dir())
    except OSError as exc:  # e.g. Windows without the symlink privilege
        pytest.skip(f"can't create symlinks here: {exc}")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET, encoding="utf-8")
    return folder


@pytest.fixture
def root(tmp_path: Path, outside: Path) -> Path:
    shared = tmp_path / "shared"
    (shared / "sub" / "deeper").mkdir(parents=True)
    (shared / "notes.txt").write_text("hello\n", encoding="utf-8")
    (shared / "Zebra.txt").write_text("z", encoding="utf-8")
    (shared / "sub" / "guide.md").write_text("# Guide\n", encoding="utf-8")
    (shared / "sub" / "deeper" / "more.md").write_text("more\n", encoding="utf-8")
    (shared / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    _symlink(shared / "link_out", outside)
    _symlink(shared / "leak.txt", outside / "secret.txt")
    _symlink(shared / "dangling", outside / "created-through-link.txt")
    _symlink(shared / "alias.txt", shared / "notes.txt")  # stays inside: allowed
    return shared


@pytest.fixture
async def reader(root: Path) -> AsyncIterator[Client]:
    async with Client(build_server(root, allow_write=False)) as client:
        yield client


@pytest.fixture
async def writer(root: Path) -> AsyncIterator[Client]:
    async with Client(build_server(root, allow_write=True)) as client:
        yield client


def names(folder: Path) -> list[str]:
    return sorted(child.name for child in folder.iterdir())


def text_of(result: CallToolResult) -> str:
    return "".join(block.text for block in result.content if isinstance(block, TextContent))


async def ok(client: Client, tool: str, **arguments: Any) -> CallToolResult:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return result


async def refused(client: Client, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, f"{tool}({arguments}) should have been refused, got {text_of(result)!r}"
    return text_of(result)


# --- which tools exist --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_read_only_server_offers_only_read_tools_marked_read_only(reader: Client) -> None:
    tools = (await reader.list_tools()).tools
    assert {tool.name for tool in tools} == READ_TOOLS
    for tool in tools:
        assert tool.description and "shared folder" in tool.description
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False


@pytest.mark.anyio
async def test_write_tools_exist_only_with_allow_write_and_are_honestly_annotated(writer: Client) -> None:
    tools = {tool.name: tool for tool in (await writer.list_tools()).tools}
    assert set(tools) == READ_TOOLS | WRITE_TOOLS
    write_hints = tools["write_text_file"].annotations
    assert write_hints is not None
    assert (write_hints.read_only_hint, write_hints.destructive_hint) == (False, True)
    mkdir_hints = tools["make_directory"].annotations
    assert mkdir_hints is not None
    assert (mkdir_hints.read_only_hint, mkdir_hints.destructive_hint) == (False, False)


@pytest.mark.anyio
async def test_write_tools_cannot_be_called_on_a_read_only_server(reader: Client, root: Path) -> None:
    assert "Unknown tool" in await refused(reader, "write_text_file", path="new.txt", content="x")
    assert "Unknown tool" in await refused(reader, "make_directory", path="newdir")
    assert not (root / "new.txt").exists()
    assert not (root / "newdir").exists()


# --- list_directory ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_list_directory_shows_names_kinds_and_sizes_but_not_links_out(reader: Client) -> None:
    listing = (await ok(reader, "list_directory")).structured_content
    assert listing == {
        "path": ".",
        "entries": [
            {"name": "alias.txt", "kind": "file", "size": 6},
            {"name": "notes.txt", "kind": "file", "size": 6},
            {"name": "picture.png", "kind": "file", "size": 16},
            {"name": "sub", "kind": "folder", "size": None},
            {"name": "Zebra.txt", "kind": "file", "size": 1},
        ],
    }


@pytest.mark.anyio
async def test_list_directory_of_a_subfolder(reader: Client) -> None:
    listing = (await ok(reader, "list_directory", path="sub")).structured_content
    assert listing is not None
    assert listing["path"] == "sub"
    assert [entry["name"] for entry in listing["entries"]] == ["deeper", "guide.md"]


@pytest.mark.anyio
async def test_list_directory_refuses_files_and_missing_paths(reader: Client) -> None:
    assert "is a file, not a folder" in await refused(reader, "list_directory", path="notes.txt")
    assert "There is no file or folder at 'nope'" in await refused(reader, "list_directory", path="nope")


# --- read_text_file -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_read_text_file_returns_the_text(reader: Client) -> None:
    assert text_of(await ok(reader, "read_text_file", path="sub/guide.md")) == "# Guide\n"
    assert text_of(await ok(reader, "read_text_file", path="alias.txt")) == "hello\n"


@pytest.mark.anyio
async def test_read_text_file_truncates_with_a_note(reader: Client, root: Path) -> None:
    (root / "long.txt").write_text("a" * 100, encoding="utf-8")
    text = text_of(await ok(reader, "read_text_file", path="long.txt", max_bytes=10))
    assert text.startswith("a" * 10 + "\n\n[Truncated: this is only the first 10 bytes of a 100-byte file.")
    assert "larger max_bytes" in text


@pytest.mark.anyio
async def test_read_text_file_cut_inside_a_character_still_reads(reader: Client, root: Path) -> None:
    (root / "accents.txt").write_text("ééé", encoding="utf-8")  # two bytes each
    text = text_of(await ok(reader, "read_text_file", path="accents.txt", max_bytes=3))
    assert text.startswith("é\n\n[Truncated")


@pytest.mark.anyio
async def test_read_text_file_refuses_binary_files_folders_and_bad_limits(reader: Client) -> None:
    assert "is not a text file" in await refused(reader, "read_text_file", path="picture.png")
    assert "is a folder, not a file" in await refused(reader, "read_text_file", path="sub")
    missing = await refused(reader, "read_text_file", path="gone.txt")
    assert "There is no file or folder at 'gone.txt'" in missing
    too_small = await refused(reader, "read_text_file", path="notes.txt", max_bytes=0)
    assert "max_bytes must be at least 1" in too_small


# --- search_files -------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_search_files_matches_in_one_folder_or_recursively(reader: Client) -> None:
    top = (await ok(reader, "search_files", pattern="*.txt")).structured_content
    assert top == {"matches": ["Zebra.txt", "alias.txt", "notes.txt"], "truncated": False}
    deep = (await ok(reader, "search_files", pattern="**/*.md")).structured_content
    assert deep == {"matches": ["sub/deeper/more.md", "sub/guide.md"], "truncated": False}
    inside_sub = (await ok(reader, "search_files", pattern="*.md", path="sub")).structured_content
    assert inside_sub == {"matches": ["sub/guide.md"], "truncated": False}


@pytest.mark.anyio
async def test_search_files_never_returns_what_lies_behind_links_out(reader: Client) -> None:
    everything = (await ok(reader, "search_files", pattern="**/*")).structured_content
    assert everything is not None
    for match in everything["matches"]:
        assert not any(word in match for word in ("secret", "link_out", "leak", "dangling"))


@pytest.mark.anyio
async def test_search_files_stops_at_the_limit_and_says_so(reader: Client, root: Path) -> None:
    many = root / "many"
    many.mkdir()
    for number in range(MAX_SEARCH_RESULTS + 1):
        (many / f"{number}.log").touch()
    result = (await ok(reader, "search_files", pattern="*.log", path="many")).structured_content
    assert result is not None
    assert len(result["matches"]) == MAX_SEARCH_RESULTS
    assert result["truncated"] is True
    assert "Only 500 matches are shown" in result["note"]


@pytest.mark.anyio
@pytest.mark.parametrize("pattern", ["../*", "../outside/*", "**/../../outside/*", "/etc/*"])
async def test_search_files_refuses_patterns_that_leave_the_folder(reader: Client, pattern: str) -> None:
    assert "outside the shared folder" in await refused(reader, "search_files", pattern=pattern)


@pytest.mark.anyio
async def test_search_files_refuses_empty_patterns(reader: Client) -> None:
    assert "The pattern is empty" in await refused(reader, "search_files", pattern="  ")


# --- file_info ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_file_info_describes_files_and_folders(reader: Client, root: Path) -> None:
    info = (await ok(reader, "file_info", path="notes.txt")).structured_content
    assert info is not None
    assert (info["path"], info["kind"], info["size"]) == ("notes.txt", "file", 6)
    modified = datetime.fromisoformat(info["modified"])
    assert modified.tzinfo is not None
    assert abs(modified.timestamp() - (root / "notes.txt").stat().st_mtime) < 1
    folder = (await ok(reader, "file_info", path="sub/deeper")).structured_content
    assert folder is not None
    assert (folder["path"], folder["kind"]) == ("sub/deeper", "folder")


# --- confinement: every tool, every way out ---------------------------------------------------

ESCAPES = [
    "../outside/secret.txt",
    "sub/../../outside/secret.txt",
    "{outside}/secret.txt",  # absolute
    "link_out",
    "link_out/secret.txt",
    "leak.txt",
]


def _escape(template: str, outside: Path) -> str:
    return template.format(outside=outside.as_posix())


@pytest.mark.anyio
@pytest.mark.parametrize("path", ESCAPES)
@pytest.mark.parametrize("tool", ["list_directory", "read_text_file", "file_info", "search_files"])
async def test_read_tools_refuse_every_escape(reader: Client, outside: Path, tool: str, path: str) -> None:
    arguments = {"path": _escape(path, outside)} | ({"pattern": "*"} if tool == "search_files" else {})
    message = await refused(reader, tool, **arguments)
    assert "outside the shared folder" in message
    assert SECRET.strip() not in message


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path", ["../outside/new.txt", "{outside}/new.txt", "link_out/new.txt", "leak.txt", "dangling"]
)
async def test_write_text_file_refuses_every_escape(writer: Client, outside: Path, path: str) -> None:
    before = names(outside)
    assert "outside the shared folder" in await refused(
        writer, "write_text_file", path=_escape(path, outside), content="pwned"
    )
    assert names(outside) == before
    assert (outside / "secret.txt").read_text(encoding="utf-8") == SECRET


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["../outside/new", "{outside}/new", "link_out/new", "sub/../../evil"])
async def test_make_directory_refuses_every_escape(
    writer: Client, tmp_path: Path, outside: Path, path: str
) -> None:
    assert "outside the shared folder" in await refused(writer, "make_directory", path=_escape(path, outside))
    assert not (outside / "new").exists()
    assert not (tmp_path / "evil").exists()


# --- write_text_file / make_directory --------------------------------------------------------


@pytest.mark.anyio
async def test_write_text_file_creates_folders_and_overwrites_in_place(writer: Client, root: Path) -> None:
    said = text_of(await ok(writer, "write_text_file", path="new/nested/file.txt", content="first"))
    assert said == "Saved 5 bytes to 'new/nested/file.txt'."
    await ok(writer, "write_text_file", path="new/nested/file.txt", content="second ✓")
    assert (root / "new" / "nested" / "file.txt").read_text(encoding="utf-8") == "second ✓"
    assert names(root / "new" / "nested") == ["file.txt"]  # no temporary files left behind


@pytest.mark.anyio
async def test_write_text_file_through_an_inside_link_writes_its_target(writer: Client, root: Path) -> None:
    await ok(writer, "write_text_file", path="alias.txt", content="changed\n")
    assert (root / "notes.txt").read_text(encoding="utf-8") == "changed\n"
    assert (root / "alias.txt").is_symlink()


@pytest.mark.anyio
async def test_write_text_file_refuses_folders_and_files_in_the_way(writer: Client) -> None:
    assert "is a folder" in await refused(writer, "write_text_file", path="sub", content="x")
    in_the_way = await refused(writer, "write_text_file", path="notes.txt/x.txt", content="x")
    assert "A file is in the way" in in_the_way


@pytest.mark.anyio
async def test_make_directory_creates_nested_folders_and_accepts_existing(writer: Client, root: Path) -> None:
    assert "'a/b/c' exists now" in text_of(await ok(writer, "make_directory", path="a/b/c"))
    await ok(writer, "make_directory", path="a/b/c")
    assert (root / "a" / "b" / "c").is_dir()
    assert "A file is in the way" in await refused(writer, "make_directory", path="notes.txt")


@pytest.mark.anyio
async def test_looping_links_and_impossible_paths_are_refused_plainly(reader: Client, root: Path) -> None:
    _symlink(root / "loop", root / "loop")
    assert "'loop' has a link that loops" in await refused(reader, "read_text_file", path="loop")
    assert "is not a usable path" in await refused(reader, "file_info", path="bad\x00name")


# --- command line -------------------------------------------------------------------------------


def test_main_refuses_a_missing_root_with_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_main_refuses_a_file_as_root_with_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").touch()
    assert main(["--root", str(tmp_path / "file")]) == 2
    assert "is not a folder" in capsys.readouterr().err
