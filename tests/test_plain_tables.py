"""The plain Core tables that signing in and stock on hand use agree with the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ledger import plain_tables
from ledger.models import metadata


def _kind(type_: sa.types.TypeEngine) -> str:  # type: ignore[type-arg]
    # SQLModel declares `str` fields as its AutoString, a String by another name.
    name = type(type_).__name__
    return "String" if name == "AutoString" else name


@pytest.mark.parametrize("table", plain_tables.metadata.sorted_tables, ids=lambda t: t.name)
def test_each_plain_column_is_the_models_column(table: sa.Table) -> None:
    model = metadata.tables[table.name]
    for column in table.columns:
        assert column.name in model.columns, f"{table.name}.{column.name} is not in the model"
        theirs = model.columns[column.name]
        assert _kind(column.type) == _kind(theirs.type), (table.name, column.name)
        if isinstance(column.type, sa.String):
            assert column.type.length == theirs.type.length, (table.name, column.name)
        assert column.nullable == theirs.nullable, (table.name, column.name)
        assert column.primary_key == theirs.primary_key, (table.name, column.name)
