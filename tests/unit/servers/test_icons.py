"""Server and tool icons: only https (or a data URL), never this computer's files or network,
at most 256 KB, pictures only (told from their bytes), cached by address. The fetching runs against
a real loopback web server through the test seam that allows plain http on 127.0.0.1."""

from __future__ import annotations

import base64
import ipaddress
import socket
import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from desktop.core.events import IconRef
from desktop.servers.icons import MAX_ICON_BYTES, IconRefused, IconStore, fetchable

pytestmark = pytest.mark.anyio


def tiny_png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = tiny_png()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
PAGES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/icon.png": (200, {"Content-Type": "image/png"}, PNG),
    "/big.png": (200, {"Content-Type": "image/png"}, PNG + b"\0" * MAX_ICON_BYTES),
    "/icon.svg": (200, {"Content-Type": "image/svg+xml"}, SVG),
    "/lies.png": (200, {"Content-Type": "image/png"}, b"<html>not a picture</html>"),
    "/moved": (302, {"Location": "/icon.png"}, b""),
    "/to-a-file": (302, {"Location": "file:///etc/passwd"}, b""),
}


class Site:
    def __init__(self) -> None:
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                status, headers, body = PAGES.get(self.path, (404, {}, b"gone"))
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()
    thread.join()


def store(folder: Path) -> IconStore:
    return IconStore(folder, loopback_http=True)


async def test_an_icon_is_fetched_once_and_then_read_from_the_cache(site: Site, tmp_path: Path) -> None:
    icon = await store(tmp_path).icon(site.base + "/icon.png")
    assert (icon.mime_type, icon.data) == ("image/png", PNG)
    again = await store(tmp_path).icon(site.base + "/icon.png")
    assert again == icon and site.requests == ["/icon.png"], "the second came from the cache"
    assert [p.read_bytes() for p in tmp_path.iterdir()] == [PNG]


async def test_a_redirect_is_followed_only_where_an_icon_may_come_from(site: Site, tmp_path: Path) -> None:
    assert (await store(tmp_path).icon(site.base + "/moved")).data == PNG
    with pytest.raises(IconRefused, match="only from https"):
        await store(tmp_path).icon(site.base + "/to-a-file")


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/big.png", "larger than 256 KB"),
        ("/icon.svg", "not a PNG, JPEG, GIF or WebP"),
        ("/lies.png", "not a PNG, JPEG, GIF or WebP"),
        ("/missing.png", "could not be fetched"),
    ],
)
async def test_what_is_not_a_small_picture_is_refused_and_not_asked_again(
    site: Site, tmp_path: Path, path: str, why: str
) -> None:
    icons = store(tmp_path)
    for _ in range(2):
        with pytest.raises(IconRefused, match=why):
            await icons.icon(site.base + path)
    assert site.requests == [path] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "src",
    [
        "file:///etc/passwd",
        "/etc/passwd",
        "C:\\Windows\\win.ini",
        "http://example.com/icon.png",
        "https://localhost/icon.png",
        "https://127.0.0.1/icon.png",
        "https://[::1]/icon.png",
        "https://192.168.1.10/icon.png",
        "https://169.254.169.254/latest/meta-data",
        "https://printer.local/icon.png",
        "ftp://example.com/icon.png",
    ],
)
def test_local_files_plain_http_and_this_network_are_never_asked(src: str) -> None:
    with pytest.raises(IconRefused):
        fetchable(src)


def test_the_test_seam_allows_plain_http_on_127_0_0_1_and_nothing_more() -> None:
    fetchable("http://127.0.0.1:8080/icon.png", loopback_http=True)
    for src in ("http://localhost:8080/icon.png", "http://10.0.0.1/icon.png", "file:///etc/passwd"):
        with pytest.raises(IconRefused):
            fetchable(src, loopback_http=True)


def test_https_on_the_internet_may_be_asked() -> None:
    fetchable("https://example.com/icon.png")
    fetchable("https://93.184.215.14/icon.png")


async def test_a_data_icon_needs_no_fetch_and_is_held_to_the_same_rules(tmp_path: Path) -> None:
    icons = IconStore(tmp_path)
    png = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert (await icons.icon(png)).data == PNG
    svg = "data:image/svg+xml;base64," + base64.b64encode(SVG).decode()
    with pytest.raises(IconRefused, match="not a PNG"):
        await icons.icon(svg)
    big = "data:image/png;base64," + base64.b64encode(PNG + b"\0" * MAX_ICON_BYTES).decode()
    with pytest.raises(IconRefused, match="larger than"):
        await icons.icon(big)
    first = await icons.first((IconRef("file:///etc/passwd"), IconRef(svg), IconRef(png, "image/png")))
    assert first is not None and first.data == PNG
    assert await icons.first((IconRef("http://example.com/a.png"),)) is None


async def test_a_name_that_leads_to_this_computer_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    """`vm`-style host names from /etc/hosts resolve to 127.0.0.1 without asking the internet."""
    name = next((host for host in (socket.gethostname(), "ip6-localhost") if _resolves_locally(host)), None)
    if name is None:
        pytest.skip("no host name here resolves to this computer without DNS")
    with pytest.raises(IconRefused, match="this computer or its network"):
        await IconStore(tmp_path).icon(f"https://{name}/icon.png")


def _resolves_locally(host: str) -> bool:
    try:
        return all(not ipaddress.ip_address(info[4][0]).is_global for info in socket.getaddrinfo(host, 443))
    except OSError:
        return False
