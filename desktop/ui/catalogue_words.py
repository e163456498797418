"""How the window words a catalogue entry: its publisher, the verified mark, where it runs, what it needs."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop.catalogue.control import CatalogueEntry, Reach
from desktop.ui.texts import fill

VERIFIED_MARK = "✓"


def publisher_words(publisher: str) -> str:
    """A registry namespace as a person would say it: `io.github.acme` → “acme on GitHub”,
    `com.example` → “example.com”; anything else as it is."""
    if publisher.startswith("io.github."):
        return fill(
            QCoreApplication.translate("CatalogueWords", "%1 on GitHub"), publisher.removeprefix("io.github.")
        )
    parts = publisher.split(".")
    if len(parts) >= 2 and all(parts):
        return ".".join(reversed(parts))
    return publisher


def who_words(publisher: str, verified: bool) -> str:
    """“acme on GitHub ✓ verified” or “example.com (not verified)”."""
    who = publisher_words(publisher)
    if verified:
        return fill(QCoreApplication.translate("CatalogueWords", "%1 %2 verified"), who, VERIFIED_MARK)
    return fill(QCoreApplication.translate("CatalogueWords", "%1 (not verified)"), who)


def by_line(publisher: str, verified: bool) -> str:
    """“By acme on GitHub ✓ verified” or “By example.com (not verified)”."""
    return fill(QCoreApplication.translate("CatalogueWords", "By %1"), who_words(publisher, verified))


def verified_tip(verified: bool) -> str:
    if verified:
        return QCoreApplication.translate(
            "CatalogueWords", "The registry checked that this publisher owns the name it publishes under."
        )
    return QCoreApplication.translate(
        "CatalogueWords",
        "Nobody has checked who published this. Install it only if you know where it comes from.",
    )


def reach_words(reach: Reach) -> str:
    """“Runs on this computer” or “Runs on the publisher's service”."""
    if reach is Reach.LOCAL:
        return QCoreApplication.translate("CatalogueWords", "Runs on this computer")
    return QCoreApplication.translate("CatalogueWords", "Runs on the publisher's service")


def needs_words(needs: tuple[str, ...]) -> str:
    """“Needs an API key, a folder” or “Needs nothing else”."""
    if not needs:
        return QCoreApplication.translate("CatalogueWords", "Needs nothing else")
    return fill(QCoreApplication.translate("CatalogueWords", "Needs %1"), ", ".join(needs))


def version_words(version: str) -> str:
    return fill(QCoreApplication.translate("CatalogueWords", "Version %1"), version) if version else ""


def meta_line(entry: CatalogueEntry) -> str:
    """The quieter line under an entry's description: who, where it runs, what it needs."""
    return " · ".join(
        (by_line(entry.publisher, entry.verified), reach_words(entry.reach), needs_words(entry.needs))
    )
