"""The tool card's offer of the web view part, where it is missing: Get (progress, Stop), a failure
said in a sentence, then Restart. The part comes from a PyPI-shaped loopback server through the
real `WebPartService` on the service loop. Pictures in `tests/artifacts/61-web-part-*.png`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import PySide6
import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.llm.chat.control import CallStatus, ToolCard
from desktop.servers.runtime_install import WheelSource
from desktop.servers.runtime_wheels import Target
from desktop.servers.web_part_install import WebPartService
from desktop.ui import web_part
from desktop.ui.app_views import AppViews
from desktop.ui.bridge import Bridge
from desktop.ui.web_part import MISSING_ENV
from desktop.ui.widgets.tool_card import ToolCardView
from desktop.ui.widgets.web_part_offer import WebPartOffer
from tests.fixtures.fake_pypi import FakePypi, addons_wheel
from tests.ui.conftest import Attach
from tests.ui.test_screenshots import save, shots  # noqa: F401 (the fixture)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the part's layout is Linux's here")
LINUX = Target("linux", "x86_64", "glibc", (2, 36))
CARD = ToolCard(
    "call_view",
    "board__show_board",
    {"city": "Oslo"},
    CallStatus.DONE,
    result="Sunny in Oslo, 21 °C.",
    title="Show the weather board",
    app_view="ui://board/board.html",
)


@pytest.fixture
def pypi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePypi]:
    monkeypatch.setenv(MISSING_ENV, "1")  # as if PySide6-Addons were not installed with PySide6
    version = PySide6.__version__
    wheel = addons_wheel(tmp_path / "w", version, "manylinux_2_34_x86_64", padding=3_000_000)
    with FakePypi() as server:
        server.add("PySide6-Addons", version, wheel)
        yield server


class Card:
    def __init__(self, qtbot: QtBot, bridge: Bridge, data: Path) -> None:
        self.restarted: list[QWidget] = []
        views = AppViews(bridge, data_dir=data, restart=self.restarted.append)
        self.view = ToolCardView(CARD, None, views=views)
        qtbot.addWidget(self.view)
        self.view.resize(640, 260)
        self.view.show()
        assert self.view.app_view is not None and self.view.app_view.offer is not None
        self.offer: WebPartOffer = self.view.app_view.offer


def parts(data: Path) -> list[str]:
    folder = data / "parts" / "webengine"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def attached(attach: Attach, pypi: FakePypi, data: Path) -> None:
    attach(web_part=WebPartService(data, WheelSource(pypi.index, target=LINUX)))


def test_the_part_is_got_with_progress_then_restart_is_offered(
    qtbot: QtBot,
    bridge: Bridge,
    attach: Attach,
    pypi: FakePypi,
    tmp_path: Path,
    shots: Path,  # noqa: F811
) -> None:
    attached(attach, pypi, tmp_path / "data")
    card = Card(qtbot, bridge, tmp_path / "data")
    offer = card.offer
    assert "needs one more part to show such views" in offer.message.text
    assert "pip" not in offer.message.text
    assert offer.get_button.isVisibleTo(offer) and offer.get_button.text().startswith(
        "Get the part that shows views (about "
    )
    assert not offer.restart_button.isVisibleTo(offer) and not offer.progress.isVisibleTo(offer)
    assert card.view.result.isVisibleTo(card.view)
    save(card.view, shots, "61-web-part-offered")
    pypi.hold_after = 400_000
    offer.get_button.click()
    qtbot.waitUntil(lambda: offer.message.text.startswith("Downloading the part that shows views: "))
    assert offer.progress.isVisibleTo(offer) and offer.stop_button.isVisibleTo(offer)
    assert not offer.get_button.isVisibleTo(offer)
    save(card.view, shots, "61-web-part-downloading")
    pypi.release()
    qtbot.waitUntil(lambda: offer.restart_button.isVisibleTo(offer), timeout=20_000)
    assert offer.message.text.startswith("The part that shows views is here. Restart MCP Desk to show views:")
    assert "your chats and settings are kept" in offer.message.text
    assert not offer.progress.isVisibleTo(offer) and not offer.stop_button.isVisibleTo(offer)
    assert parts(tmp_path / "data") == [PySide6.__version__]
    save(card.view, shots, "61-web-part-restart")
    offer.restart_button.click()
    assert card.restarted == [offer]


def test_a_card_shown_after_the_download_offers_restart_at_once(
    qtbot: QtBot, bridge: Bridge, attach: Attach, pypi: FakePypi, tmp_path: Path
) -> None:
    attached(attach, pypi, tmp_path / "data")
    first = Card(qtbot, bridge, tmp_path / "data")
    first.offer.get_button.click()
    qtbot.waitUntil(lambda: first.offer.restart_button.isVisibleTo(first.offer), timeout=20_000)
    later = Card(qtbot, bridge, tmp_path / "data")
    assert later.offer.restart_button.isVisibleTo(later.offer)
    assert not later.offer.get_button.isVisibleTo(later.offer)


def test_stop_leaves_nothing_and_get_is_offered_again(
    qtbot: QtBot, bridge: Bridge, attach: Attach, pypi: FakePypi, tmp_path: Path
) -> None:
    attached(attach, pypi, tmp_path / "data")
    card = Card(qtbot, bridge, tmp_path / "data")
    pypi.hold_after = 400_000
    card.offer.get_button.click()
    qtbot.waitUntil(lambda: card.offer.message.text.startswith("Downloading the part that shows views: "))
    card.offer.stop_button.click()
    assert card.offer.message.text == "Stopped. Nothing of the part was kept; get it again whenever you like."
    assert card.offer.get_button.isVisibleTo(card.offer)
    assert not card.offer.progress.isVisibleTo(card.offer)
    qtbot.waitUntil(lambda: parts(tmp_path / "data") == [], timeout=10_000)


def test_a_damaged_download_is_said_in_a_sentence_and_can_be_tried_again(
    qtbot: QtBot,
    bridge: Bridge,
    attach: Attach,
    pypi: FakePypi,
    tmp_path: Path,
    shots: Path,  # noqa: F811
) -> None:
    attached(attach, pypi, tmp_path / "data")
    card = Card(qtbot, bridge, tmp_path / "data")
    pypi.wrong_sha = True
    card.offer.get_button.click()
    qtbot.waitUntil(lambda: card.offer.get_button.isVisibleTo(card.offer), timeout=20_000)
    assert card.offer.message.text == (
        "The download of the part that shows views was damaged on the way, so MCP Desk did not install it. "
        "Try again."
    )
    assert card.offer.get_button.text() == "Try again"
    assert parts(tmp_path / "data") == []
    save(card.view, shots, "61-web-part-damaged")


def test_a_download_of_mcp_desk_without_qt_quick_says_plainly_it_cannot_show_views(
    qtbot: QtBot, bridge: Bridge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MISSING_ENV, "1")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(web_part, "preloaded_libraries", lambda _qt: [])  # a bundle without Qt Quick
    card = Card(qtbot, bridge, tmp_path / "data")
    assert card.offer.message.text == (
        "“board” sent its own view for this result, but this download of MCP Desk cannot show such views "
        "yet, so the result is shown as text."
    )
    assert not card.offer.get_button.isVisibleTo(card.offer)
    assert not card.offer.restart_button.isVisibleTo(card.offer)


def test_a_download_of_mcp_desk_with_qt_quick_offers_the_part(
    qtbot: QtBot, bridge: Bridge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MISSING_ENV, "1")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    card = Card(qtbot, bridge, tmp_path / "data")
    assert card.offer.get_button.isVisibleTo(card.offer)
