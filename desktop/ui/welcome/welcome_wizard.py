"""The welcome flow's window: what MCP Desk does, a folder, a model, and a first try."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget, QWizard, QWizardPage

from desktop.ui.bridge import Bridge
from desktop.ui.resources import app_icon
from desktop.ui.style import hint
from desktop.ui.welcome.folder_page import FolderPage
from desktop.ui.welcome.model_choice_page import ModelChoicePage
from desktop.ui.welcome.try_page import TryPage

SIZE = QSize(680, 520)


class IntroPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Welcome to MCP Desk"))
        about = QLabel(
            self.tr(
                "MCP Desk runs a language model on your own computer, together with small helper "
                "programs (MCP servers) whose tools the model can use: to look at your files, tell the "
                "time and more. Nothing runs without your say-so: you approve every tool call, and "
                "MCP Desk keeps a record of each one."
            ),
            self,
        )
        about.setWordWrap(True)
        steps = QLabel(
            self.tr("Three short steps get you started: share a folder, choose a model, and try it."),
            self,
        )
        steps.setWordWrap(True)
        picture = QLabel(self)
        picture.setPixmap(app_icon().pixmap(72, 72))
        layout = QVBoxLayout(self)
        layout.addWidget(picture)
        layout.addWidget(about)
        layout.addWidget(steps)
        layout.addStretch()
        layout.addWidget(
            hint(self.tr("You can skip this now and come back any time from Help › Welcome."), self)
        )


class WelcomeWizard(QWizard):
    """Shown on the first start and from Help; “Skip” closes it, “Try it” finishes it.

    Signals:
        try_requested(str): the user finished: ask this question in a new chat.
        browse_requested(): the user wants to find more servers to install.
    """

    try_requested = Signal(str)
    browse_requested = Signal()

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Welcome to MCP Desk"))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.intro_page = IntroPage()
        self.folder_page = FolderPage(bridge)
        self.model_page = ModelChoicePage(bridge)
        self.try_page = TryPage(bridge, self.model_page.selected)
        for page in (self.intro_page, self.folder_page, self.model_page, self.try_page):
            self.addPage(page)
        self._label_buttons()
        self.try_page.browse_button.clicked.connect(self.browse_requested)
        self.resize(SIZE)
        self.accepted.connect(self._on_accepted)

    def _label_buttons(self) -> None:
        buttons = {
            QWizard.WizardButton.BackButton: (self.tr("Back"), self.tr("Go back one step")),
            QWizard.WizardButton.NextButton: (self.tr("Next"), self.tr("Go on to the next step")),
            QWizard.WizardButton.CancelButton: (
                self.tr("Skip"),
                self.tr("Close this and set things up yourself; Help › Welcome shows it again"),
            ),
            QWizard.WizardButton.FinishButton: (
                self.tr("Try it"),
                self.tr("Open the Chat and ask your model this question"),
            ),
        }
        for which, (text, tip) in buttons.items():
            self.setButtonText(which, text)
            button = self.button(which)
            button.setToolTip(tip)
            button.setAccessibleName(text)

    def _on_accepted(self) -> None:
        self.try_requested.emit(self.try_page.prompt())
