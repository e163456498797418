"""An MCP App in a real chat: a generated model that must call a tool is offered the fixture
server's `show_board` but never its app-only `record_visit`; once the user allows the call, the
card shows the view, whose own call is asked in the app's name and reaches the server. Picture:
`tests/artifacts/61-app-view-in-chat.png`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.config import ServerConfig
from desktop.llm.backends.backend import ChatParams, ToolChoice
from desktop.llm.chat.control import ChatSettings
from desktop.llm.models.fit import LoadShape
from desktop.services import Services
from desktop.ui.dialogs.consent_dialog import ConsentDialog
from desktop.ui.widgets.tool_card import ToolCardView
from tests.fixtures.servers import app_view
from tests.fixtures.tiny_gguf import HERMES_TOOLS_TEMPLATE, write_gguf
from tests.ui.real_app import RealApp, real_app
from tests.ui.test_app_view import app_state, pytestmark, quiet  # noqa: F401 (skipped without the part)
from tests.ui.test_screenshots import save, shots  # noqa: F401 (the fixture)


@pytest.fixture
def chat(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[RealApp[str], Path]]:
    model = write_gguf(tmp_path / "hermes.gguf", template=HERMES_TOOLS_TEMPLATE)
    visits = tmp_path / "visits.txt"

    async def prepare(services: Services) -> str:
        env = {"APP_VIEW_VISITS": str(visits)}
        config = ServerConfig(command=sys.executable, args=[app_view.__file__], env=env)
        await services.manager.add(
            "board", config.model_copy(update={"trusted_launch": config.launch_hash()})
        )
        await services.manager.start("board")
        await services.models.load(model, LoadShape(context=2048, gpu_layers=0))
        created = await services.chats.create("Weather")
        settings = ChatSettings(
            params=ChatParams(temperature=0.0, max_tokens=160),
            servers=("board",),
            tool_choice=ToolChoice.REQUIRED,
        )
        await services.chats.save_settings(created.id, settings)
        return created.id

    with real_app(qtbot, prepare, "app-view-chat") as app:
        app.window.show_area("chat")
        app.window.chat_page.open_chat(app.prepared)
        qtbot.waitUntil(lambda: not app.window.chat_page.loading)
        yield app, visits


def card_views(app: RealApp[str]) -> list[ToolCardView]:
    return [card for view in app.window.chat_page.transcript.views.values() for card in view.cards.values()]


@quiet
def test_the_model_gets_the_tool_and_the_card_shows_its_view(
    qtbot: QtBot,
    chat: tuple[RealApp[str], Path],
    shots: Path,  # noqa: F811
) -> None:
    app, visits = chat
    composer = app.window.chat_page.composer
    composer.input.setPlainText("Show me the weather board")
    composer.send_button.click()
    asked: list[tuple[str | None, str]] = []

    def answered() -> bool:
        """The model's first call and the view's are allowed; any later call of the model is not."""
        dialog = app.queue.dialog
        if isinstance(dialog, ConsentDialog):
            context, tool = dialog.request.context, dialog.request.tool
            asked.append((context.app, tool.qualified_name))
            first_of_model = context.app is None and len([a for a in asked if a[0] is None]) == 1
            allow = first_of_model or tool.name == "record_visit"
            (dialog.allow_once_button if allow else dialog.deny_button).click()
        return visits.exists() and not app.services.chats.busy(app.prepared)

    qtbot.waitUntil(answered, timeout=90_000)
    assert asked[0] == (None, "board__show_board")
    assert (None, "board__record_visit") not in asked, "never offered to the model"
    assert ("The board app", "board__record_visit") in asked
    assert visits.read_text() == "from the view\n"
    card = card_views(app)[0]
    assert card.app_view is not None and card.app_view.view is not None
    qtbot.waitUntil(lambda: app_state(qtbot, card.app_view).get("call") == "Recorded: from the view")  # type: ignore[arg-type]
    app.window.resize(1100, 800)
    save(app.window, shots, "61-app-view-in-chat")
