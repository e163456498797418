"""A tool card with what a server sent besides text: the image drawn and opened whole, a sound to save,
links and files from the server, structured data as a table or a tree; and pictures of it in
`tests/artifacts/48-chat-rich-result*.png`."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QTableWidget, QTreeWidget, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.events import IconRef
from desktop.llm.chat.control import CallStatus, ContextUse, Role, ToolCard
from desktop.servers.icons import IconStore
from desktop.servers.resources import ResourceContent, ResourceRead
from desktop.servers.result_parts import MAX_PART_BYTES, EmbeddedPart, LinkPart, MediaPart, TextPart
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.part_dialog import PartDialog
from desktop.ui.icon_cache import IconCache
from desktop.ui.resource_opener import ResourceOpener
from desktop.ui.widgets.result_parts_view import IMAGE_HEIGHT, ImageLabel
from desktop.ui.widgets.tool_card import ToolCardView
from tests.ui.chat_fakes import FakeChats, shown_page
from tests.ui.conftest import Attach
from tests.ui.test_chat_screenshots import settled
from tests.ui.test_screenshots import save, shots  # noqa: F401 (the fixture)

WEATHER = {"temperature": 22.5, "conditions": "Partly cloudy", "humidity": 65}
FORECAST = [
    {"day": "Monday", "high": 21, "low": 12, "rain": False},
    {"day": "Tuesday", "high": 18, "low": 11, "rain": True},
]
NESTED = {"city": "Chicago", "now": {"temperature": 22.5, "wind": {"speed": 12, "from": "NW"}}}


def png(width: int, height: int) -> bytes:
    """A real PNG: a sky, a sun and a field, so a person can tell it was drawn right."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#7ec0ee"))
    painter = QPainter(image)
    painter.fillRect(0, height * 2 // 3, width, height, QColor("#3c9d3c"))
    painter.setBrush(QColor("#ffd700"))
    painter.drawEllipse(QPoint(width // 4, height // 3), height // 6, height // 6)
    painter.end()
    return encoded(image)


def encoded(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    return bytes(data.data())


def chart_icon() -> IconRef:
    """A 32-pixel bar chart, as a data URL."""
    image = QImage(32, 32, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for n, height in enumerate((12, 22, 16, 28)):
        painter.fillRect(3 + n * 7, 30 - height, 5, height, QColor("#2f6fde"))
    painter.end()
    return IconRef("data:image/png;base64," + base64.b64encode(encoded(image)).decode(), "image/png")


def image_card(**extra: object) -> ToolCard:
    picture = png(800, 500)
    parts = (
        TextPart("Here is the chart you asked for."),
        MediaPart("image", "image/png", len(picture), picture),
        MediaPart("audio", "audio/wav", 48_000, b"RIFF" + b"\0" * 100),
        LinkPart("file:///reports/q3.pdf", "q3.pdf", "Third-quarter report", "application/pdf"),
        EmbeddedPart("demo://notes/1", "text/plain", 27, text="Remember to water the plants"),
        MediaPart("image", "image/png", 2 * MAX_PART_BYTES),
        EmbeddedPart("demo://logs/all", "text/plain", 3 * MAX_PART_BYTES),
    )
    return ToolCard(
        "c1",
        "charts__draw",
        {"kind": "sunny"},
        CallStatus.DONE,
        "Here is the chart you asked for.",
        title="Draw a chart",
        parts=parts,
        **extra,  # type: ignore[arg-type]
    )


def shown_card(qtbot: QtBot, card: ToolCard, width: int = 480) -> ToolCardView:
    view = ToolCardView(card)
    qtbot.addWidget(view)
    view.resize(width, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def labels(view: ToolCardView) -> str:
    return "\n".join(label.text() for label in view.parts.findChildren(QLabel))


def test_an_image_fits_the_card_and_a_click_opens_it_whole(qtbot: QtBot) -> None:
    view = shown_card(qtbot, image_card())
    (image,) = view.parts.findChildren(ImageLabel)
    qtbot.waitUntil(lambda: 0 < image.pixmap().width() <= view.width())
    assert image.pixmap().height() <= IMAGE_HEIGHT and image.isVisible()
    qtbot.mouseClick(image, Qt.MouseButton.LeftButton)
    dialog = view.parts.opened
    assert isinstance(dialog, PartDialog) and dialog.isVisible()
    assert dialog.image.pixmap().size().toTuple() == (800, 500)
    assert dialog.windowTitle() == "Picture from Draw a chart (800 × 500)"
    dialog.close()


def test_sounds_links_files_and_images_too_big_are_said_in_words(qtbot: QtBot) -> None:
    view = shown_card(qtbot, image_card())
    words = labels(view)
    assert "Sound, 47 KB" in words
    assert "“Third-quarter report” · PDF document" in words
    assert "Text file, 27 bytes" in words
    assert "Too big to show here (10.0 MB). MCP Desk keeps up to 5.0 MB of each result" in words
    assert "Text file, 15.0 MB\nToo big to show here (15.0 MB)." in words
    assert "file:///" not in words and "demo://" not in words and "audio/wav" not in words
    tips = "\n".join(row.toolTip() for row in view.parts.findChildren(QWidget))
    assert "file:///reports/q3.pdf" in tips and "demo://logs/all" in tips and "audio/wav" in tips
    buttons = {button.text() for button in view.parts.findChildren(QPushButton)}
    assert buttons == {"Save sound…", "Open"}, "nothing to save where nothing was kept"
    assert view.result.toggle.text().endswith("Result: 2 pictures, a sound, 3 files")
    assert view.arguments.toggle.text().endswith("What the assistant asked for")


class Opener:
    """A `ResourceOpener` whose server answers at once."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, str]] = []

    def available(self) -> bool:
        return True

    def read(self, server: str, uri: str, on_done: Callable[[ResourceRead], None], _on_error: object) -> None:
        self.reads.append((server, uri))
        on_done(ResourceRead(server, uri, (ResourceContent(uri, "text/plain", 9, text="Q3: sunny"),)))


def test_a_linked_resource_opens_when_the_server_can_read_it(qtbot: QtBot) -> None:
    opener = Opener()
    view = ToolCardView(image_card(), None, None, cast(ResourceOpener, opener))
    qtbot.addWidget(view)
    view.show()
    opens = [b for b in view.parts.findChildren(QPushButton) if b.text() == "Open"]
    assert len(opens) == 2, "the link and the file the server sent"
    qtbot.mouseClick(opens[0], Qt.MouseButton.LeftButton)
    assert opener.reads == [("charts", "file:///reports/q3.pdf")]
    dialog = view.parts.opened
    assert dialog is not None and dialog.text_box.toPlainText() == "Q3: sunny"
    assert dialog.windowTitle() == "“Third-quarter report” · PDF document"
    dialog.close()


def test_a_file_the_server_sent_opens_as_text(qtbot: QtBot) -> None:
    view = shown_card(qtbot, image_card())
    (open_button,) = [b for b in view.parts.findChildren(QPushButton) if b.text() == "Open"]
    qtbot.mouseClick(open_button, Qt.MouseButton.LeftButton)
    dialog = view.parts.opened
    assert dialog is not None and dialog.text_box.toPlainText() == "Remember to water the plants"
    dialog.close()


def test_structured_data_that_fits_its_schema_is_a_table_or_a_tree(qtbot: QtBot) -> None:
    view = shown_card(qtbot, image_card(structured=FORECAST, structured_fits=True))
    table = view.structured.view
    assert isinstance(table, QTableWidget) and (table.rowCount(), table.columnCount()) == (2, 4)
    assert [table.horizontalHeaderItem(c).text() for c in range(4)] == ["Day", "High", "Low", "Rain"]
    assert table.item(1, 3).text() == "yes"
    assert table.item(0, 1).textAlignment() & Qt.AlignmentFlag.AlignRight, "numbers on the right"
    assert not table.item(0, 0).textAlignment() & Qt.AlignmentFlag.AlignRight
    assert view.result.toggle.text().endswith("Result: a table, 2 pictures, a sound, 3 files")
    view.show_card(image_card(structured=WEATHER, structured_fits=True))
    one = view.structured.view
    assert isinstance(one, QTableWidget) and one.item(2, 0).text() == "Humidity"
    view.show_card(image_card(structured=NESTED, structured_fits=True))
    tree = view.structured.view
    assert isinstance(tree, QTreeWidget) and tree.topLevelItem(1).child(1).child(1).text(1) == "NW"


def test_structured_data_that_does_not_fit_is_left_to_the_result_box(qtbot: QtBot) -> None:
    view = shown_card(qtbot, image_card(structured=WEATHER, structured_fits=False))
    assert view.structured.view is None and not view.structured.isVisible()


def test_screenshots_of_a_rich_result(
    qtbot: QtBot,
    bridge: Bridge,
    chats: FakeChats,
    attach: Attach,
    shots: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    page = shown_page(qtbot, bridge, attach)
    bridge.icons = IconStore(tmp_path)
    chats.use = ContextUse(490, 0, 4096)  # what the chat side measures of such a chat
    chat = chats.add_chat("A sunny chart")
    chats.post(chat.id, Role.USER, "Draw me a sunny chart, and show the forecast.")
    chats.post(
        chat.id,
        Role.ASSISTANT,
        "",
        cards=(image_card(structured=FORECAST, structured_fits=True, icons=(chart_icon(),)),),
    )
    chats.post(chat.id, Role.ASSISTANT, "Here it is: a sunny day, and the forecast below.")
    qtbot.waitUntil(lambda: page.chat_list.model.rowCount() == 1)
    page.open_chat(chat.id)
    qtbot.waitUntil(lambda: len(page.transcript.views) == 3)
    page.transcript.verticalScrollBar().setValue(0)
    save(settled(qtbot, page), shots, "48-chat-rich-result")
    page.transcript.verticalScrollBar().setValue(page.transcript.verticalScrollBar().maximum())
    save(settled(qtbot, page), shots, "48b-chat-rich-result-below")
    card = page.transcript.views[2].cards["c1"]
    (image,) = card.parts.findChildren(ImageLabel)
    qtbot.mouseClick(image, Qt.MouseButton.LeftButton)
    assert card.parts.opened is not None
    qtbot.waitExposed(card.parts.opened)
    save(card.parts.opened, shots, "48c-chat-image-full-size")
    card.parts.opened.close()


def test_a_tool_card_draws_the_tools_own_icon_where_it_may_be_shown(
    qtbot: QtBot, bridge: Bridge, attach: Attach, tmp_path: Path
) -> None:
    attach()
    bridge.icons = IconStore(tmp_path)
    icon = IconRef("data:image/png;base64," + base64.b64encode(png(16, 16)).decode(), "image/png")
    pictured = ToolCardView(image_card(icons=(IconRef("file:///etc/passwd"), icon)), icons=IconCache(bridge))
    local_only = ToolCardView(image_card(icons=(IconRef("file:///x.png"),)), icons=IconCache(bridge))
    for view in (pictured, local_only):
        qtbot.addWidget(view)
        view.show()
    qtbot.waitUntil(pictured.icon_label.isVisible)
    assert not pictured.icon_label.pixmap().isNull()
    assert not local_only.icon_label.isVisible(), "never an icon from this computer's files"


def test_a_picture_that_would_unpack_too_big_or_cannot_be_read_is_offered_to_save_instead(
    qtbot: QtBot,
) -> None:
    header = b"IHDR" + struct.pack(">IIBBBBB", 10_000, 10_000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + header + struct.pack(">I", zlib.crc32(header))
    parts = (MediaPart("image", "image/png", len(bomb), bomb), MediaPart("image", "image/png", 5, b"nope!"))
    view = shown_card(qtbot, ToolCard("c", "charts__draw", {}, CallStatus.DONE, parts=parts))
    assert view.parts.findChildren(ImageLabel) == []
    assert labels(view).count("MCP Desk cannot draw this picture. You can save it.") == 2
    saves = [b.text() for b in view.parts.findChildren(QPushButton)]
    assert saves == ["Save picture…", "Save picture…"]


def test_an_opened_picture_saves_to_where_the_user_chose(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The save dialog is the system's own: it answers with the place the user picked."""
    chosen = tmp_path / "sunny.png"
    asked: list[str] = []

    def pick(_parent: object, _title: str, suggested: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(chosen), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", pick)
    card = image_card()
    view = shown_card(qtbot, card)
    (image,) = view.parts.findChildren(ImageLabel)
    qtbot.mouseClick(image, Qt.MouseButton.LeftButton)
    assert view.parts.opened is not None
    view.parts.opened.save_button.click()
    assert asked == ["picture.png"] and chosen.read_bytes() == card.parts[1].data  # type: ignore[union-attr]
