"""Every kind of output workbook, printed to PDF by headless LibreOffice, as an accountant would print it.

Kinds: a posted receipt (packing list and shipment), a dry run, a rejection of 3 rows, a lookup's answer, a
count's answer with its Differences and proposals, a transfer, an adjustment, a vendor return, an offices file,
and the reconciliation.
Pages are told apart by their footer (``<sheet>, report date ...`` and ``Page X of Y``), so the page counts
are per sheet: the reconciliation's Summary fits one page; every page of every sheet holds the header row's
first and last column (one page wide: nothing spills onto a second page across); a 3-row rejection prints on
at most 2 pages. Recalculated with every cached formula result stripped, the receipts' totals equal the
ledger's. The first page of each workbook is kept as a PNG in the test's temp folder, named in failures.

Skipped, saying so, where LibreOffice or poppler is missing; ``.ci/run`` installs both.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reconcile"))
from reconcile_drops import DAY, drop_history  # noqa: E402
from reconcile_office import SOFFICE, recalculate  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from support.books import workbook  # noqa: E402

from serialtrack.ledger import schema as t  # noqa: E402
from serialtrack.service.context import Context  # noqa: E402
from serialtrack.service.pipeline import process_file  # noqa: E402
from serialtrack.service.reconcile import reconcile  # noqa: E402

PDFTOPPM, PDFTOTEXT = shutil.which("pdftoppm"), shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(not (SOFFICE and PDFTOPPM and PDFTOTEXT),
                                reason="LibreOffice (soffice) and poppler (pdftoppm, pdftotext) are needed")


def _pdf(workbooks: list[Path], work: Path) -> dict[str, Path]:
    """Each workbook printed to PDF by LibreOffice (one run, a private profile)."""
    profile = work / "lo-profile"
    out = work / "pdf"
    assert SOFFICE is not None
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(out), *map(str, workbooks)],
                   check=True, capture_output=True, timeout=300)
    return {w.name: out / (w.name.removesuffix(".xlsx") + ".pdf") for w in workbooks}


def _pages(pdf: Path) -> list[str]:
    assert PDFTOTEXT is not None
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _png(pdf: Path, shots: Path) -> Path:
    assert PDFTOPPM is not None
    prefix = shots / pdf.stem
    subprocess.run([PDFTOPPM, "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
                   check=True, capture_output=True, timeout=60)
    return prefix.with_suffix(".png")


def _sheet_of(page: str, book: str, sheets: list[str]) -> str | None:
    """The sheet a page belongs to, read from its footer (``<book>  <sheet>[, report date ...]  Page X of Y``)."""
    found = None
    for line in page.splitlines():
        if book in line:
            rest = line.split(book, 1)[1].strip()
            found = re.split(r", report date |\s{2,}", rest)[0].strip()
    return found if found in sheets else None


def _headers(path: Path) -> dict[str, tuple[str, str]]:
    """Per sheet with a table: (first word of its first header, last word of its last header)."""
    book = openpyxl.load_workbook(path)
    found: dict[str, tuple[str, str]] = {}
    for ws in book.worksheets:
        for table in ws.tables.values():
            names = [c.name for c in table.tableColumns]
            found[ws.title] = (names[0].split()[0], names[-1].split()[-1])
    return found


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The golden history posted (receipts), a dry run, a 3-row rejection, and the reconciliation."""
    root = tmp_path_factory.mktemp("render")
    ctx: Context = drop_history(root / "home", root / "files")
    try:
        inbox = root / "more"
        dry = process_file(ctx, workbook(inbox / "PL-0450.xlsx", ["PO", "Item", "Qty", "Serials", "Received Date"],
                                         [["60007", "CAM-100", 1, "SN0102", DAY]], sheet="Receiving"),
                           kind="receiving", dry_run=True)
        bad = process_file(ctx, workbook(inbox / "PL-0451.xlsx", ["PO", "Item", "Qty", "Serials"],
                                         [["60007", "CAM-100", 2, "SN0100"], ["99999", "CAM-100", 1, "X1"],
                                          ["60007", "NOPE", "many", "=1+1"]], sheet="Receiving"),
                           kind="receiving")
        asked = process_file(ctx, workbook(inbox / "which.xlsx", ["Serial"], [["SN0100"], ["SN0101"], ["100"]],
                                           sheet="Scans"), kind="lookups")
        assert asked.status == "answered" and asked.output, asked.errors
        moves = {  # issue 16: a count with every difference and both proposals, and each kind that moves stock
            "count": ("COUNT-MAIN-2.xlsx", "counts", ["Office", "Bin", "Item", "Serial"],
                      [["Main", "A-01", "CAM-100", "00046"], ["Main", "A-01", "CAM-100", "SN0100"],
                       ["Main", "A-01", "CAM-100", "77777"]]),
            "transfer": ("TR-1.xlsx", "transfers", ["Item", "From Office", "To Office", "To Bin", "Serials"],
                         [["CAM-100", "Annex", "Main", "B-02", "SN0101"]]),
            "adjustment": ("ADJ-1.xlsx", "adjustments", ["Office", "Item", "Action", "Reason", "Serials", "Unit Cost"],
                           [["Main", "CAM-100", "found", "on the returns shelf", "88888", 120.5]]),
            "vendor-return": ("RTV-1.xlsx", "vendor_returns", ["PO", "Item", "Qty", "RMA", "Reason"],
                              [["60006", "CBL-5", 5, "RMA-77", "frayed"]]),
            "offices": ("offices.xlsx", "offices", ["Office", "Name", "Receiving Bin", "Return Bin"],
                        [["Main", "Main warehouse", "RECEIVING", "RETURNS"]]),
        }
        moved = {}
        for label, (name, kind, header, rows) in moves.items():
            done = process_file(ctx, workbook(inbox / name, header, rows, sheet="Sheet1"), kind=kind)
            assert done.status == "posted" and done.output, (label, done.errors)
            moved[label] = Path(done.output)
        assert dry.status == "posted" and dry.dry_run and dry.output, dry.errors
        assert bad.status == "rejected" and bad.output
        recon = reconcile(ctx, DAY).workbook
        outbox = ctx.home.outbox
        books = {"posted": outbox / "PL-0425.posted.xlsx", "shipped": outbox / "SHIP-5001.posted.xlsx",
                 "dry-run": Path(dry.output), "rejected": Path(bad.output), "reconciliation": recon,
                 "answer": Path(asked.output), **moved}
        with ctx.store.engine.connect() as conn:
            batches = dict(conn.execute(select(t.batches.c.file_name, t.batches.c.id)).all())
            ledger = {
                "received": Decimal(conn.execute(select(func.sum(t.lots.c.qty_received * t.lots.c.unit_cost))
                                                 .where(t.lots.c.batch_id == batches["PL-0425.xlsx"])).scalar()),
                "shipped": Decimal(conn.execute(select(func.sum(t.transactions.c.qty * t.transactions.c.unit_cost))
                                                .where(t.transactions.c.batch_id == batches["SHIP-5001.xlsx"],
                                                       t.transactions.c.type == "shipment")).scalar()),
            }
        work = root / "work"
        pdfs = _pdf(list(books.values()), work)
        shots = root / "first-pages"
        shots.mkdir()
        rendered = {kind: (path, pdfs[path.name], _png(pdfs[path.name], shots)) for kind, path in books.items()}
        yield rendered, ledger, work
    finally:
        ctx.close()


def test_render__reconciliation_summary_on_one_page_and_every_sheet_one_page_wide(outputs: Any) -> None:
    rendered, _, _ = outputs
    for kind, (path, pdf, png) in rendered.items():
        sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
        pages = _pages(pdf)
        owners = [_sheet_of(page, path.name, sheets) for page in pages]
        assert all(owners), f"{kind}: a page without a readable footer (first page: {png})"
        per_sheet = Counter(owners)
        if kind == "reconciliation":
            assert per_sheet["Summary"] == 1, f"Summary prints on {per_sheet['Summary']} pages; see {png}"
        headers = _headers(path)
        for page, owner in zip(pages, owners, strict=True):
            assert owner is not None
            if owner not in headers:
                continue  # a copy of the clerk's sheet has an autofilter, not a table
            first, last = headers[owner]
            assert first in page and last in page, (
                f"{kind}: a page of {owner} lacks its header's first ({first}) or last ({last}) column: "
                f"not one page wide; see {png}")


def test_render__three_row_rejection_on_at_most_two_pages(outputs: Any) -> None:
    rendered, _, _ = outputs
    _, pdf, png = rendered["rejected"]
    pages = _pages(pdf)
    assert len(pages) <= 2, f"a 3-row rejection prints on {len(pages)} pages; see {png}"


def test_render__recalculated_receipt_totals_equal_the_ledger(outputs: Any) -> None:
    rendered, ledger, work = outputs
    for kind, figure, expected in (("posted", "Value received", ledger["received"]),
                                   ("shipped", "Cost of goods shipped", ledger["shipped"])):
        path, _, png = rendered[kind]
        again = recalculate(path, work / kind)
        ws = openpyxl.load_workbook(again, data_only=True)["Summary"]
        values = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}
        assert abs(Decimal(str(values[figure])) - expected) < Decimal("0.005"), (kind, values[figure], png)
        lines = openpyxl.load_workbook(again, data_only=True)["Lines"]
        totals = [r for r in lines.iter_rows(values_only=True) if r and r[0] == "Total"]
        assert totals and any(v is not None and abs(Decimal(str(v)) - expected) < Decimal("0.005")
                              for v in totals[0][1:] if isinstance(v, int | float)), (kind, totals, png)
