"""The receipt for a posted file: ``outbox/<name>.posted.xlsx`` (or ``.dry-run.xlsx`` for ``--dry-run``).

Summary first (file, kind, vendor, batch, who dropped it, rows read, then the kind's own counts and values,
money formatted), then the kind's sheets (items, order lines, or for a packing list its PO lines with a totals
row and every serial with the entry it expanded from, so a clerk can audit a span). What a kind shows is the
kind's business (``serialtrack.kinds``); this module only lays the workbook out, with the report date in its
page footers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from serialtrack.exporters.report import ReportSheet, summary_sheet, write_new_report
from serialtrack.exporters.xlsx import Cell, ColumnSpec, Formula
from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.posting import BatchMeta, PostResult
from serialtrack.records import Issue

#: One line of the summary sheet: (label, value).
SummaryPair = tuple[str, str | int | Decimal | dt.datetime | dt.date | Formula | None]


def _summary(meta: BatchMeta, plan: PostingPlan, result: PostResult | None, vendor: str | None,
             notes: Sequence[str], kind_pairs: Sequence[SummaryPair]) -> ReportSheet:
    # who dropped it: the file's owner and group; ``ingest`` adds the user who ran it
    who: list[tuple[str, Cell]] = [(label, value) for label, value in (
        ("Dropped by", meta.dropped_by.owner), ("Run by", meta.dropped_by.run_by)) if value]
    pairs: list[tuple[str, Cell]] = [
        ("File", meta.file_name),
        ("Kind", plan.kind),
        ("Status", "posted" if result else "dry run: checked, nothing posted"),
        ("Batch", result.batch_id if result else None),
        ("Processed at", (meta.started_at or dt.datetime.now(dt.UTC)).astimezone().replace(tzinfo=None)),
        *who,
        ("Content SHA-256", meta.sha256),
        ("Rows read", plan.rows),
    ]
    if vendor:
        pairs.insert(2, ("Vendor", vendor))
    pairs += kind_pairs
    pairs += [("Note", note) for note in notes]
    return summary_sheet(pairs)


def _warnings_sheet(warnings: Sequence[Issue]) -> ReportSheet:
    """What posted with a warning (a double scan, a column that was not read): the same columns as a rejected
    file's Errors table, so a clerk reads both alike."""
    return ReportSheet("Warnings", [
        ColumnSpec("Cell", "text", width=12), ColumnSpec("Message", "text", width=90), ColumnSpec("Code", "text"),
        ColumnSpec("Row", "int"), ColumnSpec("Sheet", "text")],
        ([i.source.cell if i.source and i.source.column else None, i.message, i.code,
          i.source.row if i.source else None, i.source.sheet if i.source else None] for i in warnings))


def posted_sheets(meta: BatchMeta, plan: PostingPlan, result: PostResult | None, *,
                  kind_pairs: Sequence[SummaryPair] = (), kind_sheets: Sequence[ReportSheet] = (),
                  vendor: str | None = None, notes: Sequence[str] = (),
                  warnings: Sequence[Issue] = ()) -> list[ReportSheet]:
    summary = _summary(meta, plan, result, vendor, notes, kind_pairs)
    return [summary, *kind_sheets, *([_warnings_sheet(warnings)] if warnings else [])]


def write_posted(path: Path, meta: BatchMeta, plan: PostingPlan, result: PostResult | None, *,
                 kind_pairs: Sequence[SummaryPair] = (), kind_sheets: Sequence[ReportSheet] = (),
                 vendor: str | None = None, notes: Sequence[str] = (), warnings: Sequence[Issue] = ()) -> Path:
    """Write the receipt to ``path``, or the next free numbered name: never over another file. Returns it."""
    return write_new_report(path, posted_sheets(meta, plan, result, kind_pairs=kind_pairs,
                                                kind_sheets=kind_sheets, vendor=vendor, notes=notes,
                                                warnings=warnings),
                            report_date=(meta.started_at or dt.datetime.now(dt.UTC)).astimezone().date())


__all__ = ["SummaryPair", "posted_sheets", "write_posted"]
