"""The chosen catalogue entry in full, beside the Browse list, with its Install button."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.catalogue.control import CatalogueEntry
from desktop.ui.catalogue_words import by_line, needs_words, reach_details, verified_tip, version_words
from desktop.ui.style import SPACING, heading, hint, labelled_button, selectable
from desktop.ui.widgets.catalogue_delegate import EntryIcons
from desktop.ui.widgets.inline_message import InlineMessage

ICON = 48


class EntryDetails(QWidget):
    """Title, who made it, where it runs, what it needs, its version and description; Install….

    Signals:
        install_requested(str): the user wants to install the entry of this name.
    """

    install_requested = Signal(str)

    def __init__(self, icons: EntryIcons, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._icons = icons
        self._entry: CatalogueEntry | None = None
        self.icon_label = QLabel(self)
        self.title_label = heading("", self)
        self.title_label.setWordWrap(True)
        self.by_label = selectable(QLabel(self))
        self.caution = InlineMessage(self)
        self.reach_label = QLabel(self)
        self.needs_label = selectable(QLabel(self))
        self.version_label = hint(parent=self)
        self.description_label = selectable(QLabel(self))
        self.link_label = QLabel(self)
        self.link_label.setOpenExternalLinks(True)
        self.link_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.install_button = labelled_button(
            self.tr("Install…"), self.tr("See what it can do and what it needs, then install it"), self
        )
        self.install_button.clicked.connect(self._on_install_button_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING, 0, 0, 0)
        layout.setSpacing(SPACING // 2)
        for widget in (
            self.icon_label,
            self.title_label,
            self.by_label,
            self.caution,
            self.reach_label,
            self.needs_label,
        ):
            layout.addWidget(widget)
        layout.addWidget(self.version_label)
        layout.addSpacing(SPACING)
        layout.addWidget(self.description_label)
        layout.addWidget(self.link_label)
        layout.addStretch()
        layout.addWidget(self.install_button, 0, Qt.AlignmentFlag.AlignRight)
        self.show_entry(None)

    @property
    def entry(self) -> CatalogueEntry | None:
        return self._entry

    def show_entry(self, entry: CatalogueEntry | None) -> None:
        self._entry = entry
        for widget in self.findChildren(QWidget):
            widget.setVisible(entry is not None)
        if entry is None:
            return
        self.icon_label.setPixmap(self._icons.of(entry).pixmap(ICON, ICON))
        self.title_label.setText(entry.title or entry.name)
        self.by_label.setText(by_line(entry.publisher, entry.verified))
        self.by_label.setToolTip(verified_tip(entry.verified))
        if entry.verified:
            self.caution.clear()
        else:
            self.caution.show_problem(
                self.tr(
                    "Nobody has confirmed who published this. "
                    "Install it only if you trust where it comes from."
                )
            )
        self.reach_label.setText(reach_details(entry.reach))
        self.reach_label.setWordWrap(True)
        self.needs_label.setText(needs_words(entry.needs))
        self.version_label.setText(version_words(entry.version))
        self.description_label.setText(entry.description)
        link = entry.website or entry.repository or ""
        safe = link.startswith("https://")
        self.link_label.setVisible(safe)
        self.link_label.setText(
            f'<a href="{escape(link)}">{escape(self.tr("Publisher’s website"))}</a>' if safe else ""
        )
        self.link_label.setToolTip(link if safe else "")

    def _on_install_button_clicked(self) -> None:
        if self._entry is not None:
            self.install_requested.emit(self._entry.name)
