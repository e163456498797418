"""How the model side's answers read: estimates, the loaded model, and %1-style sentences."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from desktop.llm.models.control import ModelState
from desktop.llm.models.fit import FitEstimate, Verdict
from desktop.ui.texts import fill, size_text

if TYPE_CHECKING:
    from desktop.llm.models.gpu_probe import MemorySnapshot

VERDICT_COLOURS = {
    Verdict.FITS_ON_GPU: "#2e9d4f",
    Verdict.PARTLY_ON_GPU: "#b7791f",
    Verdict.TOO_BIG: "#d1372e",
}


def needs_text(estimate: FitEstimate) -> str:
    """What the model needs, the same figures before and after it is loaded."""
    if estimate.vram_bytes:
        text = fill(
            QCoreApplication.translate(
                "ModelTexts", "Needs about %1 of graphics memory and %2 of main memory."
            ),
            size_text(estimate.vram_bytes),
            size_text(estimate.ram_bytes),
        )
    else:
        text = fill(
            QCoreApplication.translate("ModelTexts", "Needs about %1 of main memory."),
            size_text(estimate.ram_bytes),
        )
    if estimate.verdict is Verdict.TOO_BIG:
        text += " " + QCoreApplication.translate(
            "ModelTexts",
            "That is more than is free now. Choose a smaller context or a smaller copy of the model.",
        )
    return text


def needs_tip(estimate: FitEstimate) -> str:
    """What “needs” counts, for the tooltip beside it."""
    return fill(
        QCoreApplication.translate(
            "ModelTexts",
            "Counts the model itself, %1 to remember the conversation at this context size, and the "
            "working space it fills while answering (%2 in main memory when the context is full).",
        ),
        size_text(estimate.kv_bytes),
        size_text(estimate.ram_working_bytes),
    )


def loaded_name(state: ModelState) -> str:
    """The loaded model's name, or "" when none is loaded."""
    if state.loaded is None:
        return ""
    return state.info.name if state.info is not None else state.loaded.settings.path.name


def loaded_text(state: ModelState, snapshot: MemorySnapshot | None = None) -> str:
    """“Loaded: Qwen2.5 7B. It uses 4.9 GB of graphics memory, of the about 5.1 GB it needs.”

    What it uses is measured (by `snapshot`, or right after the load); what it needs is the
    estimate shown before loading.
    """
    if state.loaded is None:
        return ""
    text = fill(QCoreApplication.translate("ModelTexts", "Loaded: %1."), loaded_name(state))
    measured, planned = state.measured, state.estimate
    if measured is None or planned is None or measured.now(snapshot) <= 0:
        return text
    if measured.on_gpu:
        sentence = QCoreApplication.translate(
            "ModelTexts", "It uses %1 of graphics memory, of the about %2 it needs."
        )
        needed = planned.vram_bytes
    else:
        sentence = QCoreApplication.translate(
            "ModelTexts",
            "It uses %1 of main memory now, and up to about %2 as the conversation fills its context.",
        )
        needed = planned.ram_bytes
    return text + " " + fill(sentence, size_text(measured.now(snapshot)), size_text(needed))
