"""Pictures of the Chat page in `tests/artifacts/40-chat-*.png`, for a person to look at."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.consent import CallContext, ConsentRequest
from desktop.core.events import ToolInfo
from desktop.llm.chat.control import Caveat, ContextUse, Role
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.consent_dialog import ConsentDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.chat_page import ChatPage
from desktop.ui.style import SPACING
from tests.ui.chat_fakes import FakeChats, cards_in_every_status, shown_page, tool
from tests.ui.conftest import Attach
from tests.ui.helpers import wait_for_dialog
from tests.ui.test_screenshots import save, shots  # noqa: F401 (the fixture)

NOT_READY = "Load a model on the Model page first, or choose a model on another computer in Settings."
ANSWER = """Here is what I found in **README.md**:

1. The project builds with `make`.
2. Tests run with `pytest -q`.

```python
def hello() -> str:
    return "a very long line that goes on and on, well past the right edge of the transcript"
```

| Command | What it does |
|---|---|
| `make` | builds |
| `make test` | runs the tests |

More at [the docs](https://example.com/docs). <img src="http://evil.example/pixel.png"> ![logo](http://evil.example/logo.png)
"""


MADE_UP = "It is 10:42, and your shared folder holds `report.pdf` and `notes.txt`."
MARKDOWN_TOOL = ToolInfo(
    "files",
    "list_directory",
    "Lists what is in a folder of the **shared folder**.\n\n"
    "- `path`: the folder, relative to the shared folder (`.` for the shared folder itself)\n"
    "- Folders are listed first, then files, each with its size.\n\n"
    "Use it *before* reading a file, to find its exact name.",
    {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    annotations={"readOnlyHint": True, "openWorldHint": False},
)


def settled(qtbot: QtBot, page: ChatPage) -> ChatPage:
    """Wait until the transcript's messages took their heights, as they do before the next paint."""
    transcript = page.transcript
    content = transcript.widget()

    def fits() -> bool:
        bottom = max((view.geometry().bottom() for view in transcript.views.values()), default=0)
        heights = (transcript.viewport().height(), bottom + SPACING + 1)
        return not transcript.isVisible() or content.height() in heights

    qtbot.waitUntil(fits)
    return page


def conversation(chats: FakeChats) -> str:
    chats.add_chat("Weekend trip ideas", updated=1_700_000_000)
    chats.add_chat("Fix the failing build", updated=1_710_000_000)
    chat = chats.add_chat("What is in my README?")
    chats.post(chat.id, Role.USER, "What does README.md say about building the project?")
    chats.post(chat.id, Role.ASSISTANT, "", cards=cards_in_every_status())
    chats.post(
        chat.id,
        Role.NOTE,
        "The model's last answer could not be read as a tool call. It was asked again.",
        details='Expected JSON after <tool_call>, got: {"name": files__read_fil',
    )
    chats.post(chat.id, Role.ASSISTANT, ANSWER)
    chats.post(chat.id, Role.USER, "What time is it, and what is in my shared folder?")
    chats.post(chat.id, Role.ASSISTANT, "Let me look.", cards=cards_in_every_status()[3:4], replaced=True)
    chats.post(chat.id, Role.ASSISTANT, MADE_UP, caveat=Caveat.CANNOT_USE_TOOLS)
    return chat.id


def test_screenshots_of_the_chat_page(
    qtbot: QtBot,
    bridge: Bridge,
    chats: FakeChats,
    attach: Attach,
    shots: Path,  # noqa: F811
) -> None:
    chats.not_ready = NOT_READY
    chats.available = [
        tool("files", "read_file"),
        tool("files", "list_folder"),
        tool("files", "write_file"),
        tool("time", "get_current_time"),
    ]
    page = shown_page(qtbot, bridge, attach)
    save(settled(qtbot, page), shots, "40-chat-empty-not-ready")
    chats.not_ready = None
    page.check_ready()
    chat_id = conversation(chats)
    qtbot.waitUntil(lambda: page.chat_list.model.rowCount() == 3)
    page.open_chat(chat_id)
    qtbot.waitUntil(lambda: len(page.transcript.views) == 7)
    cards = page.transcript.views[2].cards
    cards["c3"].result.set_open(True)
    cards["c1"].arguments.set_open(True)
    chats.measure(chat_id, ContextUse(1234, 600, 4096, tools_offered=4))
    chats.set_busy(chat_id, True, "Thinking…")
    qtbot.waitUntil(lambda: page.composer.stop_button.isVisible())
    save(settled(qtbot, page), shots, "41-chat-conversation")
    page.transcript.verticalScrollBar().setValue(0)
    save(settled(qtbot, page), shots, "42-chat-tool-cards")
    page.transcript.verticalScrollBar().setValue(page.transcript.verticalScrollBar().maximum() // 2)
    save(settled(qtbot, page), shots, "42b-chat-more-tool-cards")
    chats.tools_work = False
    chats.set_busy(chat_id, False)
    page.check_ready()
    page.transcript.verticalScrollBar().setValue(page.transcript.verticalScrollBar().maximum())
    save(settled(qtbot, page), shots, "46-chat-model-without-tools")
    chats.tools_work = True
    page.check_ready()
    page.settings_button.click()
    left_out = ("Write file", "Move file", "Edit file", "Search files", "Get file info", "Create directory")
    chats.measure(chat_id, ContextUse(3900, 1900, 4096, tools_offered=8, left_out=left_out, tools_ready=True))
    qtbot.waitUntil(lambda: page.meter.left_out_label.isVisible())
    save(settled(qtbot, page), shots, "43-chat-settings")
    page.transcript.link_clicked.emit(QUrl("https://exаmple.com/docs?from=chat"))
    box = wait_for_dialog(qtbot, QMessageBox)
    save(box, shots, "44-chat-open-link")
    box.reject()


def test_screenshot_of_the_consent_question(qtbot: QtBot, shots: Path) -> None:  # noqa: F811
    context = CallContext("chat", "chat-1", "What is in my shared folder?")
    dialog = ConsentDialog(ConsentRequest(MARKDOWN_TOOL, {"path": "."}, context), explain=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    save(dialog, shots, "47-consent-question")


def test_screenshot_of_the_chat_model_settings(
    qtbot: QtBot,
    window: MainWindow,
    chats: FakeChats,
    attach: Attach,
    shots: Path,  # noqa: F811
) -> None:
    window.show()
    attach()
    window.show_area("settings")
    page = window.settings_page
    page.remote_radio.click()
    page.url_edit.setText("http://192.168.1.20:8080/v1")
    page.model_edit.setText("qwen2.5:7b")
    page.key_edit.setText("sk-not-a-real-key")
    save(window, shots, "45-settings-chat-model")
