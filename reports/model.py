"""The neutral report model: what a report says, before any renderer decides how it looks.

A builder turns the ledger into a `Report`; `reports.pdf` and `reports.xlsx` render
the same `Report`. Rows are a *source* (a function returning a fresh iterator), not
a list, so a log of any length streams from the database straight into the file,
and a renderer may read it more than once if it must.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

#: One cell's value: text, a time (clinic-local, tz-aware), a day, a whole number, an
#: exact decimal, or nothing.
Value = str | datetime | date | int | Decimal | None
Row = tuple[Value, ...]


class Kind(enum.StrEnum):
    """What a column holds, so each renderer can format it and a spreadsheet can type it."""

    TEXT = "text"
    DATETIME = "datetime"
    DATE = "date"
    INTEGER = "integer"
    #: An exact decimal shown with `Column.places` digits (mg to the µg, mL to the syringe).
    DECIMAL = "decimal"
    #: Integer cents, shown as dollars.
    MONEY = "money"


@dataclass(frozen=True)
class Column:
    heading: str
    kind: Kind = Kind.TEXT
    #: Digits after the point for DECIMAL columns.
    places: int = 0
    #: Rough width in characters; the PDF shares what is left of the page among the free
    #: text columns by it, the XLSX sets it.
    width: int = 12
    #: Free text (a name, an address, a reason) may wrap onto more lines. Everything else
    #: (a DEA number, an NDC, a lot, a vial label, a date, an amount) never wraps: a
    #: value cut in two reads as two values, so the PDF sizes such a column to its
    #: longest value instead.
    wrap: bool = False


@dataclass(frozen=True)
class Total:
    """One line of the totals block: a label and an exact figure."""

    label: str
    value: Value
    kind: Kind = Kind.DECIMAL
    places: int = 3
    unit: str = ""
    #: What the figure is for: one product ("Schedule III: Ketamine ... (NDC ...)"). A total
    #: never adds different drugs together, so a log's totals come in one group per product.
    group: str = ""


@dataclass(frozen=True)
class Part:
    """One table of a report (an XLSX sheet; a section of the PDF)."""

    title: str
    columns: tuple[Column, ...]
    #: Returns a fresh iterator over the rows each time it is called.
    rows: Callable[[], Iterable[Row]]
    totals: tuple[Total, ...] = ()
    #: A sentence printed under the table (what the figures mean).
    note: str = ""
    #: The XLSX sheet name: Excel allows 31 characters, so a long title gets a short name.
    sheet: str = ""

    @property
    def sheet_name(self) -> str:
        return self.sheet or self.title

    def iter_rows(self) -> Iterator[Row]:
        return iter(self.rows())


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Integrity:
    """Ties a printout to the ledger: an auditor runs `vialbook check --anchor HEAD`."""

    generated_at: datetime
    generated_by: str
    #: First and last movement sequence numbers the report's period covers (None: none).
    first_seq: int | None
    last_seq: int | None
    #: The chain head when the report was built; nothing after it is included.
    head_seq: int
    head_hash: str
    #: Which chain the head is of: "ledger" (drug movements) or "money" (billing documents,
    #: whose entries are a chain of their own, ledger/chain.py).
    chain: str = "ledger"

    def range_text(self) -> str:
        entries = "money entries" if self.chain == "money" else "movements"
        if self.first_seq is None or self.last_seq is None:
            return f"no {entries} in the period"
        return f"{entries} {self.first_seq} to {self.last_seq}"

    def lines(self) -> tuple[str, ...]:
        head = "money chain head" if self.chain == "money" else "ledger head"
        return (
            f"Generated {self.generated_at:%Y-%m-%d %H:%M %Z} by {self.generated_by}; "
            f"{self.range_text()}; {head} #{self.head_seq}",
            f"{head[0].upper()}{head[1:]} hash {self.head_hash}",
        )


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def text(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


@dataclass(frozen=True)
class Report:
    #: The command-line name ("administration-log"); also the file stem in a bundle.
    name: str
    title: str
    #: Clinic and registration header facts, in print order.
    header: tuple[Fact, ...]
    period: Period
    filters: tuple[Fact, ...]
    parts: tuple[Part, ...]
    integrity: Integrity
    #: Signature lines printed at the end ("Registrant", "Witness 1"...).
    signatures: tuple[str, ...] = ()
    #: The clinic's timezone name, in which every time in the rows is shown.
    timezone: str = "UTC"
    #: The DEA number of the registration the report is for.
    registration: str = ""

    def subtitle(self) -> str:
        return f"Period {self.period.text()}" + "".join(
            f"; {f.label} {f.value}" for f in self.filters
        )
