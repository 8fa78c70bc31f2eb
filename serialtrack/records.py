"""Frozen records shared by every package: where a value came from, and what is wrong with it.

``Source`` is the provenance carried by every row and serial (file, sheet, row, column) so that each message
can name its cell. ``Issue`` is bad data as a value: a stable kebab-case ``code``, a sentence a clerk
understands, and the ``source`` it points at. Exceptions are reserved for defects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

#: What a spreadsheet cell can hold once read (csv cells are always str or None).
CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None
#: A converted item master-data field (description, serialized, est unit cost, ...).
ItemValue = str | bool | Decimal


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA (Excel column names)."""
    if column < 1:
        raise ValueError(f"column must be >= 1, got {column}")
    letters = ""
    while column:
        column, rem = divmod(column - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 serial``, ``2 serials``, ``0 serials``, ``1,500 serials``; ``many`` where adding an s is wrong."""
    return f"{count:,} {noun if count == 1 else (many or noun + 's')}"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class KindName(StrEnum):
    """The file kinds the product knows (each is one module under ``serialtrack.kinds``)."""

    ITEMS = "items"
    PURCHASE_ORDERS = "purchase_orders"
    SALES_ORDERS = "sales_orders"
    RECEIVING = "receiving"
    SHIPPING = "shipping"
    RETURNS = "returns"
    COUNTS = "counts"
    LOOKUPS = "lookups"
    OFFICES = "offices"
    TRANSFERS = "transfers"
    ADJUSTMENTS = "adjustments"
    VENDOR_RETURNS = "vendor_returns"


#: Every kind's name, which is also its inbox subfolder (``kinds.registry`` holds a kind for each: checked there).
KIND_NAMES: frozenset[str] = frozenset(k.value for k in KindName)


class FileStatus(StrEnum):
    """What happened to one dropped file (``status`` in ``--json``)."""

    POSTED = "posted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    ANSWERED = "answered"  # a lookup: a question answered, nothing posted


class BatchStatus(StrEnum):
    """A batch row's status in the ledger."""

    POSTED = "posted"
    REJECTED = "rejected"
    REVERSED = "reversed"
    DUPLICATE = "duplicate"


class SerialStatus(StrEnum):
    """Where a serialized unit stands."""

    IN_STOCK = "in_stock"
    SHIPPED = "shipped"
    SCRAPPED = "scrapped"
    RETURNED_TO_VENDOR = "returned_to_vendor"
    REVERSED = "reversed"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a value came from. ``row`` and ``column`` are 1-based sheet coordinates, as Excel shows them."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: int | None = None

    @property
    def cell(self) -> str | None:
        """The A1-style reference (``D17``), the row alone (``17``) when no column is known, else None."""
        if self.row is None:
            return None
        if self.column is None:
            return str(self.row)
        return f"{column_letter(self.column)}{self.row}"

    def at(self, row: int | None = None, column: int | None = None) -> Source:
        """A copy pointing at another row and/or column of the same sheet."""
        return Source(
            self.file,
            self.sheet,
            self.row if row is None else row,
            self.column if column is None else column,
        )

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(self.sheet)
        cell = self.cell
        if cell:
            parts.append(cell if self.column is not None else f"row {cell}")
        return " › ".join(parts)


@dataclass(frozen=True, slots=True)
class DroppedBy:
    """Who a batch came from. ``user`` and ``group``: the owner of the dropped file as the file system gave them
    (names, or numeric ids where no name resolves); ``run_by``: the user who ran the command (``ingest``,
    ``reverse``), None for the watcher. Worth what the file system says, nothing more (see SECURITY.md)."""

    user: str | None = None
    group: str | None = None
    run_by: str | None = None

    @property
    def owner(self) -> str | None:
        """``ana (group warehouse)``, or None when the batch came from no file."""
        if self.user is None:
            return None
        return f"{self.user} (group {self.group})" if self.group is not None else self.user

    def as_json(self) -> dict[str, str | None]:
        return {"user": self.user, "group": self.group, "run_by": self.run_by}

    def __str__(self) -> str:
        parts = [self.owner] if self.owner else []
        if self.run_by is not None:
            parts.append(f"run by {self.run_by}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a file: a value, never an exception."""

    code: str
    message: str
    source: Source | None = None
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.message} [{self.code}]"
