"""What the selected model is: its make-up as the file tells it, and where it lives."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from desktop.llm.models.control import LibraryEntry
from desktop.ui.models.log_table_model import PROBLEM_TEXT
from desktop.ui.models.model_library_model import parameters_text, quant_label, quant_said, yes_no
from desktop.ui.style import hint, selectable
from desktop.ui.texts import fill, size_text


class ModelDetails(QWidget):
    """A form of facts about one `LibraryEntry`; `show_entry(None)` clears it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setVerticalSpacing(4)
        self.placeholder = hint(self.tr("Select a model to see what it is."), self)
        self.form.addRow(self.placeholder)
        self.values: dict[str, QLabel] = {}
        for key, label in (
            ("name", self.tr("Name:")),
            ("architecture", self.tr("Architecture:")),
            ("parameters", self.tr("Parameters:")),
            ("quantization", self.tr("Quantization:")),
            ("size", self.tr("File size:")),
            ("layers", self.tr("Layers:")),
            ("context", self.tr("Trained context:")),
            ("tools", self.tr("Can use tools:")),
            ("source", self.tr("Found in:")),
            ("path", self.tr("Location:")),
        ):
            value = selectable(QLabel(self))
            value.setAccessibleName(label.rstrip(":"))
            self.values[key] = value
            self.form.addRow(label, value)
        self.problem_label = selectable(QLabel(self))
        palette = self.problem_label.palette()
        palette.setColor(self.problem_label.foregroundRole(), PROBLEM_TEXT)
        self.problem_label.setPalette(palette)
        self.form.addRow(self.problem_label)
        self.show_entry(None)

    def show_entry(self, entry: LibraryEntry | None) -> None:
        self.placeholder.setVisible(entry is None)
        for key, text in self._texts(entry).items():
            self.values[key].setText(text)
            self.form.setRowVisible(self.values[key], bool(text))
        info = entry.info if entry is not None else None
        self.values["quantization"].setToolTip(
            fill(self.tr("%1, %2 bits per weight"), info.file_type, f"{info.bits_per_weight:.1f}")
            if info
            else ""
        )
        problem = entry.problem if entry is not None else None
        self.problem_label.setText(problem or "")
        self.form.setRowVisible(self.problem_label, bool(problem))

    def _texts(self, entry: LibraryEntry | None) -> dict[str, str]:
        texts = dict.fromkeys(self.values, "")
        if entry is None:
            return texts
        found, info = entry.found, entry.info
        texts["source"] = found.source.label
        texts["path"] = str(found.path)
        if len(found.parts) > 1:
            texts["path"] += "\n" + self.tr("(and %1 more parts beside it)").replace(
                "%1", str(len(found.parts) - 1)
            )
        texts["size"] = size_text(found.size_bytes)
        if info is None:
            return texts
        trained = self.tr("%1 tokens").replace("%1", f"{info.context_length:,}")
        texts.update(
            name=info.name,
            architecture=info.architecture,
            parameters=parameters_text(info.parameters),
            quantization=", ".join(filter(None, (quant_label(info.file_type), quant_said(info.file_type)))),
            size=size_text(info.file_bytes),
            layers=str(info.layers),
            context=trained,
            tools=yes_no(info.supports_tools)
            + ("" if info.supports_tools else " " + self.tr("(its chat template offers no tools)")),
        )
        return texts
