"""How the model side's answers read: estimates, the loaded model, and %1-style sentences."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop.llm.models.control import ModelState
from desktop.llm.models.fit import FitEstimate, Verdict
from desktop.ui.texts import size_text

VERDICT_COLOURS = {
    Verdict.FITS_ON_GPU: "#2e9d4f",
    Verdict.PARTLY_ON_GPU: "#b7791f",
    Verdict.TOO_BIG: "#d1372e",
}


def fill(template: str, *values: object) -> str:
    """`template` with %1, %2… replaced by `values`."""
    for number, value in enumerate(values, start=1):
        template = template.replace(f"%{number}", str(value))
    return template


def needs_text(estimate: FitEstimate) -> str:
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


def loaded_name(state: ModelState) -> str:
    """The loaded model's name, or "" when none is loaded."""
    if state.loaded is None:
        return ""
    return state.info.name if state.info is not None else state.loaded.settings.path.name


def loaded_text(state: ModelState) -> str:
    """“Loaded: Qwen2.5 7B, using 4.9 GB of graphics memory (estimated 5.1 GB, off by 4%)”."""
    if state.loaded is None:
        return ""
    text = fill(QCoreApplication.translate("ModelTexts", "Loaded: %1"), loaded_name(state))
    measured = state.measured
    used = (measured.vram_bytes or measured.ram_bytes) if measured is not None else 0
    if measured is None or used <= 0:
        return text
    where = (
        QCoreApplication.translate("ModelTexts", "graphics memory")
        if measured.vram_bytes
        else QCoreApplication.translate("ModelTexts", "main memory so far")
    )
    return text + fill(
        QCoreApplication.translate("ModelTexts", ", using %1 of %2 (estimated %3, off by %4%)"),
        size_text(used),
        where,
        size_text(measured.estimated_bytes),
        round(abs(measured.error) * 100),
    )
