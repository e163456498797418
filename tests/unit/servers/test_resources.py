"""What a read and a template become: text, binary as type and size, addresses filled in."""

from __future__ import annotations

import base64

import mcp_types as types
import pytest

from desktop.servers.content_from_sdk import content_of
from desktop.servers.resources import IMAGE_CAP, ResourceTemplateInfo, size_words


def test_a_template_names_its_blanks_once_and_fills_them_escaped() -> None:
    template = ResourceTemplateInfo("s", "file:///{dir}/{name}{?name,mode}", "files")

    assert template.variables == ("dir", "name", "mode")
    assert template.filled({"dir": "my notes", "name": "a/b"}) == "file:///my%20notes/a%2Fb?name=a%2Fb"


def test_a_reserved_blank_keeps_its_slashes() -> None:
    template = ResourceTemplateInfo("s", "file:///{+path}", "files")

    assert template.filled({"path": "home/me/x.txt"}) == "file:///home/me/x.txt"


def test_text_counts_its_bytes_and_binary_is_only_described() -> None:
    text = content_of(types.TextResourceContents(uri="a://x", text="héllo"))
    blob = content_of(
        types.BlobResourceContents(
            uri="a://y", mime_type="application/pdf", blob=base64.b64encode(b"%PDF" * 512).decode()
        )
    )

    assert text.is_text and text.size == 6 and text.mime_type == "text/plain"
    assert not blob.is_text and blob.image is None and blob.describe() == "application/pdf, 2.0 KB"


def test_an_image_is_kept_only_up_to_its_cap() -> None:
    small = base64.b64encode(b"\x89PNG" + b"0" * 100).decode()
    large = base64.b64encode(b"0" * (IMAGE_CAP + 1)).decode()

    assert content_of(types.BlobResourceContents(uri="i://s", mime_type="image/png", blob=small)).image
    big = content_of(types.BlobResourceContents(uri="i://l", mime_type="image/png", blob=large))
    assert big.image is None and big.size == IMAGE_CAP + 1


def test_sizes_read_as_people_say_them() -> None:
    assert [size_words(n) for n in (512, 12_595, 4 * 1024 * 1024)] == ["512 bytes", "12.3 KB", "4.0 MB"]


@pytest.mark.parametrize(
    ("template", "uri", "fits"),
    [
        ("test://static/resource/{id}", "test://static/resource/7", True),
        ("test://static/resource/{id}", "test://static/other/7", False),
        ("file:///{+path}", "file:///home/ada/notes.md", True),
        ("weather://{city}/now{?units}", "weather://Lisbon/now?units=metric", True),
        ("a+b://{x}", "a+b://y", True),
        ("a.b://{x}", "aXb://y", False),
    ],
)
def test_a_template_fits_the_addresses_it_could_have_made(template: str, uri: str, fits: bool) -> None:
    assert ResourceTemplateInfo("s", template, "t").fits(uri) is fits
