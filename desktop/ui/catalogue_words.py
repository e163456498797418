"""How the window words a catalogue entry: its publisher, the verified mark, where it runs, what it needs."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop.catalogue.control import NODE, PYTHON, CatalogueEntry, CatalogueListing, Reach
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


def reach_details(reach: Reach) -> str:
    """`reach_words`, and for a server elsewhere what that means for what the user sends it."""
    if reach is Reach.LOCAL:
        return reach_words(reach)
    return fill(
        QCoreApplication.translate("CatalogueWords", "%1 (what you send it leaves your computer)"),
        reach_words(reach),
    )


def needs_words(needs: tuple[str, ...]) -> str:
    """“Needs Docker, an API key”; “Ready to use — MCP Desk sets up what it needs” when all it needs
    is a runtime MCP Desk provides; “Ready to use” when it needs nothing."""
    left = [need for need in needs if need not in (NODE, PYTHON)]
    if left:
        return fill(QCoreApplication.translate("CatalogueWords", "Needs %1"), ", ".join(left))
    if needs:
        return QCoreApplication.translate("CatalogueWords", "Ready to use — MCP Desk sets up what it needs")
    return QCoreApplication.translate("CatalogueWords", "Ready to use")


def source_words(listing: CatalogueListing) -> str:
    """“Catalogue: built-in list (offline)” or “Catalogue: online, updated 6 December 2026”."""
    if listing.shipped or listing.updated is None:
        return QCoreApplication.translate("CatalogueWords", "Catalogue: built-in list (offline)")
    when = f"{listing.updated.day} {listing.updated:%B %Y}"
    return fill(QCoreApplication.translate("CatalogueWords", "Catalogue: online, updated %1"), when)


def unreachable_words(listing: CatalogueListing) -> str:
    """What to do when the registry couldn't be read, and what is shown meanwhile."""
    shown = (
        QCoreApplication.translate("CatalogueWords", "Showing the servers built into MCP Desk.")
        if listing.shipped or listing.updated is None
        else QCoreApplication.translate("CatalogueWords", "Showing the list as it was last read.")
    )
    return fill(
        QCoreApplication.translate(
            "CatalogueWords",
            "Couldn't get the latest catalogue — check your internet, then press Refresh. %1",
        ),
        shown,
    )


def version_words(version: str) -> str:
    return fill(QCoreApplication.translate("CatalogueWords", "Version %1"), version) if version else ""


def meta_line(entry: CatalogueEntry) -> str:
    """The quieter line under an entry's description: who, where it runs, what it needs."""
    return " · ".join(
        (by_line(entry.publisher, entry.verified), reach_words(entry.reach), needs_words(entry.needs))
    )
