"""The table models head each column they declare, and only those."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.ui.bridge import Bridge
from desktop.ui.models.audit_table_model import AuditTableModel
from desktop.ui.models.log_table_model import LogTableModel
from desktop.ui.models.model_library_model import ModelLibraryModel
from desktop.ui.models.rules_table_model import RulesTableModel
from desktop.ui.models.secrets_table_model import SecretsTableModel
from desktop.ui.models.server_roster import ServerRoster
from desktop.ui.models.server_table_model import ServerTableModel
from desktop.ui.models.titled_table import TitledTableModel

Make = Callable[[Bridge], TitledTableModel[Any]]
MODELS: dict[str, Make] = {
    "audit": lambda _: AuditTableModel(),
    "log": lambda _: LogTableModel(),
    "model library": lambda _: ModelLibraryModel(),
    "rules": lambda _: RulesTableModel(),
    "secrets": lambda _: SecretsTableModel(),
    "servers": lambda bridge: ServerTableModel(ServerRoster(bridge)),
}


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_every_column_has_a_title(make: Make, bridge: Bridge) -> None:
    model = make(bridge)
    assert sorted(model.titles()) == list(range(model.columnCount())) == list(model.columns)
    headers = [model.headerData(column, Qt.Orientation.Horizontal) for column in model.columns]
    assert all(headers) and len(set(headers)) == len(headers)
    assert model.headerData(0, Qt.Orientation.Vertical) is None
