"""Fill-in templates per kind: ``serialtrack template KIND [--po N | --so N | --office O]`` and the blank ones
``init`` leaves in ``templates/``.

A template's columns are the kind's own (``kinds.columns``), so what a clerk fills in is what the reader
takes back. Drop-downs come from the ledger as it stands (items, open orders, offices) plus the closed lists
(dispositions, yes/no); blank templates carry only the closed lists, since the ledger moves on after
``init``. Given an order (or, for counts, an office) the lines still expected are prefilled.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from serialtrack.exporters.template import Template, TemplateColumn, write_template
from serialtrack.exporters.xlsx import Cell
from serialtrack.kinds.adjustments import ACTION_NAMES
from serialtrack.kinds.base import FileKind
from serialtrack.kinds.columns import KindColumn, kind_columns
from serialtrack.kinds.items import CHECK_DIGITS
from serialtrack.kinds.registry import KINDS
from serialtrack.kinds.returns import DISPOSITIONS
from serialtrack.ledger import template_lists as q
from serialtrack.records import KindName
from serialtrack.service.home import Home


class TemplateRequestError(Exception):
    """A template that cannot be written as asked: ``usage`` for a wrong option (exit 2), else for an order or
    office the ledger does not hold, or one with nothing left to do (exit 1)."""

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


#: Prefilled rows, field -> value.
Rows = list[dict[str, Cell]]


@dataclass(frozen=True)
class Prefill:
    """What ``--po``, ``--so`` or ``--office`` fills in for a kind: the rows of the order or office (None when
    the ledger does not know it), and the sentence when it is known but there is nothing to fill in."""

    option: str  # po / so / office
    noun: str  # purchase order / sales order / office
    rows: Callable[[Engine, str], Rows | None]
    nothing_left: str  # the sentence when the order is known but has nothing to prefill
    #: the order numbers the kind's drop-down offers (None: the open orders of the option's side)
    numbers: Callable[[Engine], list[str]] | None = None


def _open_rows(side: q.Side, number_field: str, party_field: str) -> Callable[[Engine, str], Rows | None]:
    def rows(engine: Engine, number: str) -> Rows | None:
        if not q.order_exists(engine, side, number):
            return None
        lines = q.open_lines(engine, side, number)
        return [{number_field: line.number, "item_code": line.item_code, "qty": line.qty,
                 "description": line.description, party_field: line.party} for line in lines]
    return rows


def _returns_rows(engine: Engine, number: str) -> Rows | None:
    if not q.order_exists(engine, "sales", number):
        return None
    return [{"so_number": line.number, "item_code": line.item_code} for line in q.lines_out(engine, number)]


def _vendor_return_rows(engine: Engine, number: str) -> Rows | None:
    if not q.order_exists(engine, "purchase", number):
        return None
    return [{"po_number": number, "item_code": code} for code in q.received_items(engine, number)]


def _count_rows(engine: Engine, office: str) -> Rows | None:
    name = q.office_name(engine, office)
    if name is None:
        return None
    places = q.stock_places(engine, name)
    return [{"office": p.office, "bin": p.bin, "item_code": p.item_code} for p in places] or [{"office": name}]


def _transfer_rows(engine: Engine, office: str) -> Rows | None:
    """What is in stock at ``office``: one row per serial (quantity 1), one per non-serialized item (the quantity
    left for the clerk); the clerk fills in where each goes and deletes the rows that stay."""
    name = q.office_name(engine, office)
    if name is None:
        return None
    return [{"item_code": u.item_code, "from_office": u.office, "from_bin": u.bin, "serials": u.serial,
             "qty": 1 if u.serial is not None else None} for u in q.stock_at(engine, name)]


#: Which option each kind's template takes and what it prefills (a kind not listed takes none).
PREFILLS: Mapping[KindName, Prefill] = {
    KindName.RECEIVING: Prefill("po", "purchase order", _open_rows("purchase", "po_number", "vendor"),
                                "has nothing left to receive"),
    KindName.SHIPPING: Prefill("so", "sales order", _open_rows("sales", "so_number", "customer"),
                               "has nothing left to ship"),
    KindName.RETURNS: Prefill("so", "sales order", _returns_rows, "has no shipped units out with the customer",
                              q.sales_orders_with_units_out),
    KindName.COUNTS: Prefill("office", "office", _count_rows, ""),
    KindName.TRANSFERS: Prefill("office", "office", _transfer_rows, "has nothing in stock to move"),
    KindName.VENDOR_RETURNS: Prefill("po", "purchase order", _vendor_return_rows, "has nothing received to return",
                                     q.purchase_orders_received),
}

#: Closed lists, the same in every template.
FIXED_LISTS: Mapping[str, Sequence[str]] = {
    "dispositions": tuple(d.replace("_", " ") for d in DISPOSITIONS),
    "yes or no": ("Y", "N"),
    "check digits": tuple(sorted(d.title() for d in CHECK_DIGITS)),
    "adjustment actions": tuple(a.replace("_", " ") for a in ACTION_NAMES),
}
_FIXED_FOR_FIELD = {"disposition": "dispositions", "serialized": "yes or no", "track_mfr_lot": "yes or no",
                    "check_digit": "check digits", "action": "adjustment actions"}


def _ledger_lists(engine: Engine, kind: FileKind) -> dict[str, list[str]]:
    fields = set(kind.fields.columns) - {_own_key(kind)}
    lists: dict[str, list[str]] = {}
    if "item_code" in fields:
        lists["items"] = q.item_codes(engine, serialized_only="serials" in kind.fields.required)
    if "office" in fields or any(f.endswith("_office") for f in fields):  # from_office, to_office
        lists["offices"] = q.office_names(engine)
    prefill = PREFILLS.get(kind.name)
    sides: tuple[tuple[str, q.Side, str], ...] = (("po_number", "purchase", "purchase orders"),
                                                  ("so_number", "sales", "sales orders"))
    for field, side, name in sides:
        if field in fields:
            numbers = prefill.numbers if prefill is not None else None
            lists[name] = numbers(engine) if numbers else q.open_order_numbers(engine, side)
    return lists


_LEDGER_FOR_FIELD = {"item_code": "items", "office": "offices", "po_number": "purchase orders",
                     "so_number": "sales orders"}


def _own_key(kind: FileKind) -> str | None:
    """The field a master-data kind creates records by (the item code of the item list, a PO's number): new
    values belong there, so it gets no drop-down."""
    return kind.fields.columns[0] if kind.fields.master_data else None


def _column(kind: FileKind, column: KindColumn) -> TemplateColumn:
    own = column.field == _own_key(kind)
    ledger = _LEDGER_FOR_FIELD.get("office" if column.field.endswith("_office") else column.field)
    choices = _FIXED_FOR_FIELD.get(column.field) or (None if own else ledger)
    hint = column.hint
    if column.field == "item_code" and "serials" in kind.fields.required:
        hint = "a serialized item's code"
    width = 30 if column.field in ("serials", "description", "reason") else None
    return TemplateColumn(column.heading, column.value, column.required, hint, choices,
                          closed=column.field in ("disposition", "action"), width=width)


def _guide(kind: FileKind, columns: Sequence[KindColumn], today: dt.date, *, ledger: bool,
           prefilled: str | None) -> list[str]:
    title = _title(kind)
    lines = [f"How to fill in this {kind.name.replace('_', ' ')} template",
             f"Fill in sheet {title}: one row per line, under the header in row 1. Keep the header as it is.",
             "Columns with a darker header are required on every row; the others may stay empty."]
    if any(c.field == "serials" for c in columns):
        lines += ["Serials: type or scan them into the Serials column, which is formatted as Text so that Excel "
                  "keeps every digit.",
                  "Write one serial per row, or several in one cell separated by commas, semicolons or new lines, "
                  "or a span first...last (1000...1009, SN0100...SN0109)."]
    if prefilled:
        lines.append(prefilled)
    if ledger:
        lines.append(f"The drop-down lists hold what the ledger knew on {today.isoformat()}; a value not in a "
                     "list is accepted after a warning. Run serialtrack template again for fresh lists.")
    else:
        lines.append(f"For drop-down lists of the current items, orders and offices, run: serialtrack template "
                     f"{kind.name}")
    lines.append(f"Save it and drop it into inbox/{kind.name}/. The answer comes back in outbox/: "
                 "<name>.posted.xlsx, or <name>.rejected.xlsx with each problem marked on its cell.")
    return lines


def _title(kind: FileKind) -> str:
    return kind.name.replace("_", " ").title()


def build_template(kind: FileKind, *, engine: Engine | None, today: dt.date, option: str | None = None,
                   value: str | None = None) -> Template:
    """The template of ``kind``: with drop-downs from the ledger when ``engine`` is given, and the rows of
    the order or office ``value`` when ``option`` (po, so, office) is. Raises TemplateRequestError."""
    columns = kind_columns(kind.fields)
    if kind.answers:  # a question (lookups): one column of serials, formatted as Text, to paste a scan into
        columns = [c for c in columns if c.required]
    rows: Rows = []
    prefilled = None
    if option is not None and value is not None:
        prefill = PREFILLS.get(kind.name)
        if prefill is None or prefill.option != option:
            takes = f"takes --{prefill.option}" if prefill else "takes no --po, --so or --office"
            raise TemplateRequestError(f"the {kind.name} template {takes}, not --{option}", usage=True)
        if engine is None:
            raise ValueError("prefilling a template needs the ledger")
        found = prefill.rows(engine, value)
        if found is None:
            raise TemplateRequestError(f"there is no {prefill.noun} {value} in the ledger")
        if not found:
            raise TemplateRequestError(f"{prefill.noun} {value} {prefill.nothing_left}")
        rows = found
        prefilled = (f"The rows of {prefill.noun} {value} are filled in"
                     + (" with the quantity still expected; change Qty where fewer came." if "qty" in rows[0]
                        else "."))
    lists: dict[str, Sequence[str]] = dict(FIXED_LISTS)
    if engine is not None:
        lists.update(_ledger_lists(engine, kind))
    return Template(_title(kind), [_column(kind, c) for c in columns],
                    [[row.get(c.field) for c in columns] for row in rows], lists,
                    _guide(kind, columns, today, ledger=engine is not None, prefilled=prefilled))


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def template_name(kind: str, option: str | None, value: str | None) -> str:
    """``receiving-template.xlsx``, ``receiving-PO-70001.xlsx``, ``counts-Main.xlsx``."""
    if option is None or value is None:
        return f"{kind}-template.xlsx"
    label = {"po": "PO-", "so": "SO-"}.get(option, "")
    return f"{kind}-{label}{_UNSAFE.sub('_', value).strip('._') or 'x'}.xlsx"


def write_kind_template(home: Home, engine: Engine, kind_name: str, *, today: dt.date, option: str | None = None,
                        value: str | None = None) -> tuple[Path, int]:
    """Write the template to ``outbox/`` (never over an existing file); returns its path and prefilled rows."""
    kind = KINDS[KindName(kind_name)]
    template = build_template(kind, engine=engine, today=today, option=option, value=value)
    path = write_template(home.outbox / template_name(kind_name, option, value), template, report_date=today)
    return path, len(template.rows)


def write_blank_templates(home: Home, *, today: dt.date) -> list[Path]:
    """One blank template per kind in ``templates/``; a file already there is left as it is. Returns those
    written."""
    home.templates.mkdir(parents=True, exist_ok=True)
    written = []
    for name, kind in KINDS.items():
        path = home.templates / f"{name}.xlsx"
        if path.exists():
            continue
        written.append(write_template(path, build_template(kind, engine=None, today=today), report_date=None))
    return written
