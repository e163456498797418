"""Browse servers: the catalogue, where it came from, a search that filters as you type, and Install.

The list shows at once what the service has (cached or shipped); Refresh asks the registry.
Choosing Install asks the service for a plan, and hands it on (`plan_ready`) for the install
dialog; a plan that can't be made is said here, in a sentence.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.catalogue.control import CatalogueControl, CatalogueListing, InstallPlan
from desktop.core.problem import Problem
from desktop.ui.bridge import Bridge
from desktop.ui.catalogue_words import source_words, unreachable_words
from desktop.ui.dialogs.entry_details import EntryDetails
from desktop.ui.lifetime import while_alive
from desktop.ui.models.catalogue_model import CatalogueModel
from desktop.ui.style import hint, labelled_button, pad
from desktop.ui.texts import fill
from desktop.ui.widgets.catalogue_delegate import CatalogueDelegate, EntryIcons
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.inline_message import InlineMessage

LIST_WIDTH, DETAILS_WIDTH, DETAILS_MIN_WIDTH = 600, 340, 260


class CatalogueDialog(QDialog):
    """A window of its own (not modal): browse, search, pick one, install.

    Signals:
        plan_ready(InstallPlan): the plan of the entry the user chose to install.
    """

    plan_ready = Signal(object)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert bridge.catalogue is not None, "services are not attached yet"
        self._bridge = bridge
        self._catalogue: CatalogueControl = bridge.catalogue
        self.setWindowTitle(self.tr("Browse servers"))
        self.resize(980, 640)
        self.source_label = hint(parent=self)
        self.source_problem = InlineMessage(self)
        self.refresh_button = labelled_button(
            self.tr("Refresh"), self.tr("Ask the MCP Registry for its newest list"), self
        )
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(self.tr("Search by name, what it does or who made it"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(self.tr("Search servers"))
        self.search_edit.setToolTip(self.tr("Type a few words; the list narrows as you type"))
        self.count_label = hint(parent=self)
        self.message = InlineMessage(self)
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.icons = EntryIcons()
        self.model = CatalogueModel(self)
        self.list_view = self._make_list()
        self.details = EntryDetails(self.icons, self)
        self.nothing = EmptyState(self.tr("Nothing matches"), "", parent=self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.list_view)
        self.stack.addWidget(self.nothing)
        self._lay_out()
        self._connect()
        self._show_source(None)
        self._bridge.call(
            self._catalogue.listing(),
            on_done=while_alive(self, self._on_listing_done),
            on_error=while_alive(self, self._on_listing_failed),
        )

    def _make_list(self) -> QListView:
        view = QListView(self)
        view.setModel(self.model)
        view.setItemDelegate(CatalogueDelegate(self.icons, view))
        view.setUniformItemSizes(True)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setAccessibleName(self.tr("Servers you can install"))
        return view

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.source_label, 1)
        top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.stack)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([LIST_WIDTH, DETAILS_WIDTH])
        self.details.setMinimumWidth(DETAILS_MIN_WIDTH)
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addLayout(top)
        layout.addWidget(self.source_problem)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.count_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.close_buttons)

    def _connect(self) -> None:
        self.refresh_button.clicked.connect(self.refresh)
        self.close_buttons.rejected.connect(self.reject)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.list_view.selectionModel().selectionChanged.connect(self._on_list_selection_changed)
        self.list_view.activated.connect(self._on_list_view_activated)
        self.details.install_requested.connect(self.install)
        self.model.modelReset.connect(self._on_model_reset)

    def refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        self.source_label.setText(self.tr("Asking the MCP Registry for its newest list…"))
        self._bridge.call(
            self._catalogue.refresh(),
            on_done=while_alive(self, self._on_listing_done),
            on_error=while_alive(self, self._on_listing_failed),
        )

    def install(self, name: str) -> None:
        """Ask for `name`'s plan; `plan_ready` carries it on."""
        self.message.show_info(self.tr("Getting the details ready…"))
        self._bridge.call(
            self._catalogue.plan_entry(name),
            on_done=while_alive(self, self._on_plan_done),
            on_error=while_alive(self, self._on_plan_failed),
        )

    def _on_plan_done(self, plan: InstallPlan) -> None:
        self.message.clear()
        self.plan_ready.emit(plan)

    def _on_plan_failed(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
        self.message.setToolTip(problem.details)

    def _on_listing_done(self, listing: CatalogueListing) -> None:
        self.refresh_button.setEnabled(True)
        self._show_source(listing)
        chosen = self.details.entry
        self.model.set_entries(listing.entries)
        self.model.set_filter(self.search_edit.text())
        self._select(self.model.row_of(chosen.name) if chosen else 0)

    def _on_listing_failed(self, problem: Problem) -> None:
        self.refresh_button.setEnabled(True)
        self.source_problem.show_problem(problem.message)
        self.source_problem.setToolTip(problem.details)
        self.source_label.setText(self.tr("The list of servers could not be loaded."))

    def _show_source(self, listing: CatalogueListing | None) -> None:
        if listing is None:
            self.source_label.setText(self.tr("Loading the list of servers…"))
            self.source_problem.clear()
            return
        self.source_label.setText(source_words(listing))
        self.source_label.setToolTip(listing.source)
        if listing.problem:
            self.source_problem.show_problem(unreachable_words(listing))
            self.source_problem.setToolTip(listing.problem)
        else:
            self.source_problem.clear()

    def _on_search_edit_text_changed(self, text: str) -> None:
        self.model.set_filter(text)
        self._show_count()

    def _show_count(self) -> None:
        """How many match what is typed, or a sentence in place of the list when none does."""
        shown, total = self.model.rowCount(), self.model.total()
        typed = self.search_edit.text().strip()
        if not typed:
            self.count_label.setText(
                fill(self.tr("%1 servers"), total) if total != 1 else self.tr("1 server")
            )
        else:
            matches = (
                self.tr("%1 of %2 servers matches “%3”")
                if shown == 1
                else self.tr("%1 of %2 servers match “%3”")
            )
            self.count_label.setText(fill(matches, shown, total, typed))
        self.nothing.sentence_label.setText(
            fill(
                self.tr(
                    "No server matches “%1”. Try fewer or other words, or press Refresh for the newest "
                    "list. If someone gave you a server, close this and use Add server… instead."
                ),
                typed,
            )
        )
        self.stack.setCurrentWidget(self.list_view if shown or not total else self.nothing)

    def _on_model_reset(self) -> None:
        shown = self.model.rowCount()
        self._show_count()
        if shown and not self.list_view.selectionModel().hasSelection():
            self._select(0)
        elif not shown:
            self.details.show_entry(None)

    def _select(self, row: int) -> None:
        if self.model.rowCount():
            self.list_view.setCurrentIndex(self.model.index(max(row, 0), 0))

    def _on_list_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.list_view.selectionModel().selectedRows()
        self.details.show_entry(self.model.entry_at(rows[0].row()) if rows else None)

    def _on_list_view_activated(self, index: QModelIndex) -> None:
        entry = self.model.entry_at(index.row())
        if entry is not None:
            self.install(entry.name)
