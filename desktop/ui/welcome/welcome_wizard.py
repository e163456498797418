"""The welcome flow's window: what MCP Desk does, a folder, a model, and a first try."""

from __future__ import annotations

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget, QWizard, QWizardPage

from desktop.ui.bridge import Bridge
from desktop.ui.resources import app_icon
from desktop.ui.style import hint
from desktop.ui.texts import fill
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
        model_requested(): there is no model yet and the user wants the Model page (the welcome closes).
    """

    try_requested = Signal(str)
    browse_requested = Signal()
    model_requested = Signal()

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
        steps = (self.folder_page, self.model_page, self.try_page)
        for number, step in enumerate(steps, start=1):
            step.setSubTitle(fill(self.tr("Step %1 of %2. %3"), number, len(steps), step.subTitle()))
        self.setOption(QWizard.WizardOption.HaveCustomButton1)
        self._label_buttons()
        self._lay_out_buttons()
        self.try_page.browse_button.clicked.connect(self.browse_requested)
        self.button(QWizard.WizardButton.CustomButton1).clicked.connect(self._on_choose_model_clicked)
        self.currentIdChanged.connect(self._lay_out_buttons)
        self.try_page.completeChanged.connect(self._mark_default)
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
            QWizard.WizardButton.CustomButton1: (
                self.tr("Choose a model…"),
                self.tr("Close this and open the Model page, to add or download a model"),
            ),
        }
        for which, (text, tip) in buttons.items():
            self.setButtonText(which, text)
            button = self.button(which)
            button.setToolTip(tip)
            button.setAccessibleName(text)

    def _lay_out_buttons(self, _page_id: int = -1) -> None:
        """On the last step without a model, “Choose a model…” comes first and is the default."""
        choose = self._choosing()
        wanted = [QWizard.WizardButton.Stretch, QWizard.WizardButton.BackButton]
        if choose:
            wanted.append(QWizard.WizardButton.CustomButton1)
        wanted += [
            QWizard.WizardButton.NextButton,
            QWizard.WizardButton.FinishButton,
            QWizard.WizardButton.CancelButton,
        ]
        self.setButtonLayout(wanted)
        QTimer.singleShot(0, self, self._mark_default)  # after the wizard has made Finish the default

    def _mark_default(self) -> None:
        """“Choose a model…” is the default while it shows (the wizard makes Finish the default
        on the last page and each time its completeness changes, so this runs after it)."""
        button = self.button(QWizard.WizardButton.CustomButton1)
        if isinstance(button, QPushButton):
            button.setDefault(self._choosing())

    def _choosing(self) -> bool:
        return self.currentPage() is self.try_page and self.try_page.without_model()

    def _on_choose_model_clicked(self) -> None:
        self.model_requested.emit()
        self.reject()

    def _on_accepted(self) -> None:
        self.try_requested.emit(self.try_page.prompt())
