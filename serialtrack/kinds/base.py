"""What every kind is: a ``FileKind`` with a name, a field list, ``check`` (rows -> lines -> view -> rules ->
plan) and the summary, sheets and reversal of what it posted. ``CheckEnv`` is what a kind may use from the
running service (store, serial policy, today, limits), so kinds never import ``serialtrack.service``."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from serialtrack.exporters.report import ReportSheet
from serialtrack.exporters.xlsx import ColumnSpec, Formula
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.serial_gen import serial_width
from serialtrack.ingest.serials import SerialPolicy
from serialtrack.ingest.values import as_code
from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.reverse_store import Undo
from serialtrack.ledger.store import Store
from serialtrack.ledger.view import LedgerView
from serialtrack.records import CellValue, Issue, KindName, Source

C = ColumnSpec
#: One line of a posted workbook's summary sheet: (label, value).
SummaryPair = tuple[str, str | int | Decimal | dt.datetime | dt.date | Formula | None]


@dataclass(frozen=True)
class CheckEnv:
    """What checking a file may use from the running service."""

    store: Store
    serial_policy: SerialPolicy
    today: dt.date
    max_serials: int | None
    receiving_bin: str
    over_receipt_tolerance_percent: Decimal = Decimal(0)


@dataclass
class Checked:
    """The outcome of checking one file: a plan when it may post, and every issue found."""

    plan: PostingPlan | None
    issues: list[Issue]
    view: LedgerView = field(default_factory=LedgerView)

    @property
    def ok(self) -> bool:
        return self.plan is not None and not any(i.is_error for i in self.issues)


@dataclass
class Answer:
    """A question's answer (``FileKind.answer``): the workbook's sheets and the figures ``ingest --json``
    reports."""

    sheets: list[ReportSheet]
    counts: dict[str, int] = field(default_factory=dict)


class FileKind(ABC):
    """One kind of dropped file, as beangulp's importer: found by its headers, checked, planned, posted."""

    name: KindName
    fields: Kind
    #: What the kind's files are called in a sentence ("may not post purchase orders"); empty: its name.
    noun: str = ""
    #: A question rather than a posting (lookups): the pipeline asks ``answer`` for a workbook and posts nothing.
    answers: bool = False

    @property
    def label(self) -> str:
        return self.noun or self.name.replace("_", " ")

    @abstractmethod
    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        """Rows -> typed lines -> ledger view -> rules -> plan (None when any error was found)."""

    @abstractmethod
    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        """The kind's lines of the posted workbook's summary sheet."""

    def answer(self, ingested: Ingested, env: CheckEnv, *, file_name: str, answered_at: dt.datetime) -> Answer:
        """A kind that ``answers`` (a question such as lookups) gives its answer workbook here instead of a
        plan; the pipeline calls it only for such kinds."""
        raise NotImplementedError(f"{self.name} files are posted, not answered")

    def counts(self, plan: PostingPlan) -> dict[str, int]:
        """What the kind adds to an outcome's ``counts`` beyond rows, units, lots and transactions (items:
        ``items_created``, ``items_updated``, ``items_unchanged``); none by default."""
        return {}

    def reversal(self) -> Undo | None:
        """How a posted batch of this kind is undone; None for master data (corrected by a new file)."""
        return None

    @abstractmethod
    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        """The posted workbook's sheets after the summary."""


def no_rows(ingested: Ingested) -> list[Issue]:
    if ingested.rows:
        return []
    where = ingested.tables[0] if ingested.tables else None
    source = Source(ingested.file, where.sheet, where.header_row) if where else Source(ingested.file)
    return [Issue("no-rows", "the header row was found but no data rows are under it; nothing to post", source)]


def width_for(view: LedgerView, policy: SerialPolicy) -> Callable[[str], int | None]:
    """item code -> how many digits its purely numeric serials have (from its next serial or pattern, else
    from the serials the ledger holds), for the lost-leading-zeros check every kind that takes serials runs."""
    def width(code: str) -> int | None:
        item = view.items.get(code)
        if item is None or not item.serialized:
            return None
        return serial_width(item.next_serial, item.serial_pattern, policy) or item.ledger_width
    return width


def codes(ingested: Ingested, name: str) -> list[str]:
    """The distinct codes in column ``name`` (what the ledger view is asked for)."""
    values: set[tuple[type, CellValue]] = set()  # distinct values first, read column-wise per table
    frame, pick = None, None
    for row in ingested.rows:
        if row.frame is not frame:
            frame, pick = row.frame, row.frame.picker(name)
        value = pick(row.values)  # type: ignore[misc]
        if value is not None:
            values.add((value.__class__, value))
    return sorted({as_code(v) or "" for _, v in values})


def has_errors(issues: Sequence[Issue]) -> bool:
    return any(i.is_error for i in issues)


def row_of(source: Source | None) -> tuple[str | None, int | None]:
    return (source.sheet, source.row) if source is not None else (None, None)


def cached(value: Decimal) -> float | int:
    """What a money formula shows until the spreadsheet recalculates it."""
    return int(value) if value == value.to_integral_value() else float(value)
